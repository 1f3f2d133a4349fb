//! `GET /v1/webhooks/endpoints/{id}`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{WebhookEndpointView, path_id};
use crate::webhooks::error::WebhookError;

/// One of the caller's endpoints (another user's is the same 404 as a missing one).
#[utoipa::path(
    get,
    path = "/v1/webhooks/endpoints/{id}",
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpointView),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not one of the caller's endpoints (`webhook_endpoint_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_webhook_endpoint(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<WebhookEndpointView>, ApiError> {
    let user_id = own_account(&caller, Action::UserReadPrivate)?;
    let id = path_id(&path, WebhookError::EndpointNotFound)?;
    let row =
        service
            .store
            .endpoint(user_id, id)
            .await?
            .ok_or(crate::error::NotificationError::from(
                WebhookError::EndpointNotFound,
            ))?;
    Ok(web::Json(row.into()))
}
