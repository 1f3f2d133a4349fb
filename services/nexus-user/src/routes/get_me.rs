//! `GET /v1/users/me`: the caller's private profile.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::PrivateProfile;

use crate::UserService;
use crate::routes::Caller;

/// 200 with the public and private fields.
#[utoipa::path(
    get,
    path = "/v1/users/me",
    tag = "users",
    responses(
        (status = 200, description = "The caller's private profile", body = PrivateProfile),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_me(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<web::Json<PrivateProfile>, ApiError> {
    caller.require_scope(nexus_policy::Action::UserReadPrivate)?;
    let account = service.store.get(caller.user_id).await?;
    Ok(web::Json(account.private_profile()))
}
