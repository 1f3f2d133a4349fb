//! `POST /v1/notifications/read-all`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::notification::MarkedRead;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::routes::caller::inbox_owner;

/// Marks every unread notice of the caller's read.
#[utoipa::path(
    post,
    path = "/v1/notifications/read-all",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many were marked", body = MarkedRead),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `notification:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn mark_all_read(
    service: web::Data<NotificationService>,
    caller: Caller,
) -> Result<web::Json<MarkedRead>, ApiError> {
    let user_id = inbox_owner(&caller)?;
    let marked = service.store.mark_all_read(user_id).await?;
    Ok(web::Json(MarkedRead { marked }))
}
