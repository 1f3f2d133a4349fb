//! `PATCH /v1/users/me`: edit the caller's profile.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::{PrivateProfile, UpdateProfileRequest};
use nexus_runtime::Caller;

use crate::UserService;
use crate::domain::profile::check_update;
use crate::error::UserError;
use crate::routes::own_account::own_account;

/// Absent fields stay, `null` or `""` clears, a value sets (bounded, URLs `https://`).
#[utoipa::path(
    patch,
    path = "/v1/users/me",
    tag = "users",
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "Updated", body = PrivateProfile),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn update_me(
    service: web::Data<UserService>,
    caller: Caller,
    body: nexus_http::Json<UpdateProfileRequest>,
) -> Result<web::Json<PrivateProfile>, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let update = check_update(&body).map_err(UserError::from)?;
    let account = service.store.update_profile(user_id, &update).await?;
    Ok(web::Json(account.private_profile()))
}
