//! `DELETE /v1/files/{sha256}/follow`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::{own_account, sha256_of};

/// Stops following a file.
#[utoipa::path(
    delete,
    path = "/v1/files/{sha256}/follow",
    params(("sha256" = String, Path, description = "The file's SHA-256 (64 hex digits)")),
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "No longer followed"),
        (status = 400, description = "Not a SHA-256 (`invalid_sha256`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`), a banned account (`forbidden`)", body = ErrorBody),
        (status = 404, description = "The caller does not follow it (`follow_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn unfollow_file(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let sha256 = sha256_of(&path)?;
    if !service.store.unfollow(user_id, &sha256).await? {
        return Err(NotificationError::FollowNotFound.into());
    }
    Ok(HttpResponse::NoContent().finish())
}
