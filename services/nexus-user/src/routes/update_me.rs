//! `PATCH /v1/users/me`: edit the caller's profile.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::user::{PrivateProfile, UpdateProfileRequest};

use crate::UserService;
use crate::domain::profile::check_update;
use crate::error::UserError;
use crate::routes::Caller;

/// Absent fields stay, `null` or `""` clears, a value sets (bounded, URLs `https://`).
pub async fn update_me(
    service: web::Data<UserService>,
    caller: Caller,
    body: web::Json<UpdateProfileRequest>,
) -> Result<web::Json<PrivateProfile>, ApiError> {
    let update = check_update(&body).map_err(UserError::from)?;
    let account = service
        .store
        .update_profile(caller.user_id, &update)
        .await?;
    Ok(web::Json(account.private_profile()))
}
