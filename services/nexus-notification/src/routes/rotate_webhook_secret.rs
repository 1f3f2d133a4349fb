//! `POST /v1/webhooks/endpoints/{id}/rotate-secret`.

use actix_web::web;
use chrono::TimeDelta;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{RotatedWebhookSecret, path_id};
use crate::webhooks::error::WebhookError;
use crate::webhooks::signature::Secret;

/// A new signing secret for one of the caller's endpoints (shown this once); the previous one
/// keeps signing beside it for the overlap window (`notification.webhooks.rotation_overlap`,
/// 24 h by default), so receivers can switch without losing a message.
#[utoipa::path(
    post,
    path = "/v1/webhooks/endpoints/{id}/rotate-secret",
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret and the end of the overlap", body = RotatedWebhookSecret),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not one of the caller's endpoints (`webhook_endpoint_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn rotate_webhook_secret(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<RotatedWebhookSecret>, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let id = path_id(&path, WebhookError::EndpointNotFound)?;
    let settings = &service.settings.webhooks;
    let now = settings.clock.now();
    let until = now + TimeDelta::from_std(settings.rotation_overlap).unwrap_or(TimeDelta::MAX);
    let secret = Secret::generate();
    service
        .store
        .rotate_secret(user_id, id, &secret.expose(), until, now)
        .await?
        .ok_or(NotificationError::from(WebhookError::EndpointNotFound))?;
    Ok(web::Json(RotatedWebhookSecret {
        secret: secret.expose(),
        previous_secret_until: until,
    }))
}
