//! `POST /v1/notifications/{id}/read`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::notification::NoticeView;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::may_update;
use crate::routes::list_notices::view;

/// Marks one notice of the caller's read (again: the first read time stays). Someone else's
/// notice is a 404 like a missing one, administrators included (`notification-recipient-only`).
#[utoipa::path(
    post,
    path = "/v1/notifications/{id}/read",
    params(("id" = Uuid, Path, description = "The notice")),
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The notice, read", body = NoticeView),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `notification:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such notice in the caller's inbox (`notification_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn mark_read(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<NoticeView>, ApiError> {
    caller
        .require_signed_in()
        .map_err(NotificationError::from)?;
    let id: Uuid = path
        .parse()
        .map_err(|_| NotificationError::NoticeNotFound)?;
    let recipient = service
        .store
        .recipient_of(id)
        .await?
        .ok_or(NotificationError::NoticeNotFound)?;
    may_update(&caller, id, recipient)?;
    let row = service
        .store
        .mark_read(recipient, id)
        .await?
        .ok_or(NotificationError::NoticeNotFound)?;
    Ok(web::Json(view(row)))
}
