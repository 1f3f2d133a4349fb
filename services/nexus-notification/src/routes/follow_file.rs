//! `POST /v1/files/{sha256}/follow`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::notification::FollowView;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::routes::caller::{own_account, sha256_of};
use crate::store::FollowRow;

/// Follows a file: when its verdict changes, the caller is told (`file.verdict_changed`, old and
/// new verdict and why). Following needs no access to the file itself (only its hash is named,
/// and nothing about it is returned but the verdict the platform already publishes).
#[utoipa::path(
    post,
    path = "/v1/files/{sha256}/follow",
    params(("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)")),
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Followed (again: no change)", body = FollowView),
        (status = 400, description = "Not a SHA-256 (`invalid_sha256`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`), a banned account (`forbidden`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn follow_file(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<FollowView>, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let sha256 = sha256_of(&path)?;
    let row = service.store.follow(user_id, &sha256).await?;
    Ok(web::Json(follow_view(row)))
}

/// The wire form of a follow.
pub(crate) fn follow_view(row: FollowRow) -> FollowView {
    FollowView {
        sha256: row.sha256,
        via: row.via,
        followed_at: row.created_at,
        verdict: row.verdict,
    }
}
