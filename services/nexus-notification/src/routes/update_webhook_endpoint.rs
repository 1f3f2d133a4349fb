//! `PATCH /v1/webhooks/endpoints/{id}`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{
    UpdateWebhookEndpoint, WebhookEndpointView, checked_description, checked_event_types,
    checked_url, path_id,
};
use crate::store::webhooks::EndpointPatch;
use crate::webhooks::error::WebhookError;

/// Changes one of the caller's endpoints: its URL (checked again), note, filter, or enabled
/// state (enabling clears the failure run after the service disabled it).
#[utoipa::path(
    patch,
    path = "/v1/webhooks/endpoints/{id}",
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    request_body = UpdateWebhookEndpoint,
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed endpoint", body = WebhookEndpointView),
        (status = 400, description = "`webhook_url_forbidden` or `invalid_webhook_endpoint`", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not one of the caller's endpoints (`webhook_endpoint_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn update_webhook_endpoint(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
    body: nexus_http::Json<UpdateWebhookEndpoint>,
) -> Result<web::Json<WebhookEndpointView>, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let id = path_id(&path, WebhookError::EndpointNotFound)?;
    let body = body.into_inner();
    if let Some(description) = &body.description {
        checked_description(description)?;
    }
    let event_types = body
        .event_types
        .as_deref()
        .map(checked_event_types)
        .transpose()?;
    let url = match &body.url {
        Some(url) => Some(checked_url(&service, url).await?),
        None => None,
    };
    let patch = EndpointPatch {
        url,
        description: body.description,
        event_types,
        enabled: body.enabled,
    };
    let row = service
        .store
        .update_endpoint(user_id, id, patch, service.settings.webhooks.clock.now())
        .await?
        .ok_or(NotificationError::from(WebhookError::EndpointNotFound))?;
    Ok(web::Json(row.into()))
}
