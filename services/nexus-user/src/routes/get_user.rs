//! `GET /v1/users/{id}`: anyone's public profile (never the private fields).

use actix_web::web;
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::PublicProfile;

use crate::UserService;

/// 200 with the public fields, 404 `user_not_found`. Disabled accounts are not shown.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    params(("id" = uuid::Uuid, Path, description = "The account's user id")),
    tag = "users",
    responses(
        (status = 200, description = "Public profile", body = PublicProfile),
        (status = 404, description = "No such user", body = ErrorBody)
    )
)]
pub async fn get_user(
    service: web::Data<UserService>,
    path: web::Path<UserId>,
) -> Result<web::Json<PublicProfile>, ApiError> {
    let account = service.store.get(path.into_inner()).await?;
    if !account.is_active() {
        return Err(crate::error::UserError::UserNotFound.into());
    }
    Ok(web::Json(account.public_profile()))
}
