//! `GET /v1/users/me`: the caller's private profile.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::PrivateProfile;
use nexus_runtime::Caller;

use crate::UserService;
use crate::routes::own_account::own_account;

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
    let user_id = own_account(&caller, nexus_policy::Action::UserReadPrivate)?;
    let account = service.store.get(user_id).await?;
    Ok(web::Json(account.private_profile()))
}
