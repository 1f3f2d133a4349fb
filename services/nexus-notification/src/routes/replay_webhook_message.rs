//! `POST /v1/webhooks/messages/{id}/replay`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::path_id;
use crate::store::webhooks::Replay;
use crate::webhooks::error::WebhookError;

/// Sends a message of one of the caller's endpoints again, now, with a fresh cycle of the retry
/// schedule and the same `webhook-id` (a receiver that has it can drop it).
#[utoipa::path(
    post,
    path = "/v1/webhooks/messages/{id}/replay",
    params(("id" = uuid::Uuid, Path, description = "The message's id (a delivery's `message_id`)")),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; the delivery log shows the attempt"),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not a message of the caller's endpoints (`webhook_message_not_found`)", body = ErrorBody),
        (status = 409, description = "Its endpoint is disabled (`webhook_endpoint_disabled`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn replay_webhook_message(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let id = path_id(&path, WebhookError::MessageNotFound)?;
    let now = service.settings.webhooks.clock.now();
    match service.store.replay(user_id, id, now).await? {
        Replay::Queued => Ok(HttpResponse::Accepted().finish()),
        Replay::NotFound => Err(NotificationError::from(WebhookError::MessageNotFound).into()),
        Replay::EndpointDisabled => {
            Err(NotificationError::from(WebhookError::EndpointDisabled).into())
        }
    }
}
