//! `GET /v1/users/{id}`: anyone's public profile (never the private fields).

use actix_web::web;
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::user::PublicProfile;
use nexus_runtime::Caller;

use crate::UserService;
use crate::error::UserError;

/// 200 with the public fields, 404 `user_not_found`. Disabled accounts are not shown.
///
/// Decided like every other handler, with the shared [`Caller`]: `user:read_public` on the
/// account (everyone, guests included, by `user-read-public`), so an API key needs that scope
/// (403 `scope_insufficient`) and a sent token must be valid (401 `token_*`, never read as a
/// guest), whether or not the gateway checked it before.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    params(("id" = uuid::Uuid, Path, description = "The account's user id")),
    tag = "users",
    responses(
        (status = 200, description = "Public profile", body = PublicProfile),
        (status = 401, description = "An invalid access token was sent", body = ErrorBody),
        (status = 403, description = "`scope_insufficient`: an API key without `user:read_public`", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)
    )
)]
pub async fn get_user(
    service: web::Data<UserService>,
    caller: Caller,
    path: web::Path<UserId>,
) -> Result<web::Json<PublicProfile>, ApiError> {
    let user_id = path.into_inner();
    caller
        .authorize(
            Action::UserReadPublic,
            Resource::UserAccount {
                id: user_id.to_string(),
            },
        )
        .map_err(UserError::from)?;
    let account = service.store.get(user_id).await?;
    if !account.is_active() {
        return Err(UserError::UserNotFound.into());
    }
    Ok(web::Json(account.public_profile()))
}
