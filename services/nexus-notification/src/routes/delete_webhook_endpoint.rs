//! `DELETE /v1/webhooks/endpoints/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::path_id;
use crate::webhooks::error::WebhookError;

/// Deletes one of the caller's endpoints with its pending messages and delivery log.
#[utoipa::path(
    delete,
    path = "/v1/webhooks/endpoints/{id}",
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not one of the caller's endpoints (`webhook_endpoint_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn delete_webhook_endpoint(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let id = path_id(&path, WebhookError::EndpointNotFound)?;
    if !service.store.delete_endpoint(user_id, id).await? {
        return Err(NotificationError::from(WebhookError::EndpointNotFound).into());
    }
    Ok(HttpResponse::NoContent().finish())
}
