//! `GET /v1/notifications/unread-count`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::notification::UnreadCount;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::routes::caller::inbox_owner;

/// How many notices of the caller's are unread (the dashboard's badge).
#[utoipa::path(
    get,
    path = "/v1/notifications/unread-count",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The unread count", body = UnreadCount),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `notification:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn unread_count(
    service: web::Data<NotificationService>,
    caller: Caller,
) -> Result<web::Json<UnreadCount>, ApiError> {
    let user_id = inbox_owner(&caller)?;
    let unread = service.store.unread_count(user_id).await?;
    Ok(web::Json(UnreadCount {
        unread: u64::try_from(unread).unwrap_or(0),
    }))
}
