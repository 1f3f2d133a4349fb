//! `GET /v1/files/{sha256}/follow`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::notification::FollowView;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::{own_account, sha256_of};
use crate::routes::follow_file::follow_view;

/// Whether the caller follows a file (and since when, and its last known verdict).
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/follow",
    params(("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)")),
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller follows it", body = FollowView),
        (status = 400, description = "Not a SHA-256 (`invalid_sha256`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "The caller does not follow it (`follow_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_follow(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<FollowView>, ApiError> {
    let user_id = own_account(&caller, Action::UserReadPrivate)?;
    let sha256 = sha256_of(&path)?;
    let row = service
        .store
        .following(user_id, &sha256)
        .await?
        .ok_or(NotificationError::FollowNotFound)?;
    Ok(web::Json(follow_view(row)))
}
