//! `POST /internal/v1/users/resolve` (auth's lockout): the account a login name belongs to, so
//! failed sign-ins are counted per account whichever of its names (e-mail, username in any
//! case) is typed.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::user::{ResolveLoginRequest, ResolvedLogin};

use crate::UserService;
use crate::domain::email::{MAX_EMAIL_LENGTH, normalize_email};
use crate::domain::username::validate_username;
use crate::error::UserError;

/// 200 `{user_id}`, or 404 `user_not_found` when no account has this name.
pub async fn resolve_login(
    service: web::Data<UserService>,
    body: nexus_http::Json<ResolveLoginRequest>,
) -> Result<web::Json<ResolvedLogin>, ApiError> {
    let login = body.into_inner().login;
    if login.len() > MAX_EMAIL_LENGTH {
        return Err(UserError::UserNotFound.into());
    }
    let account = if login.contains('@') {
        match normalize_email(&login) {
            Ok(email) => service.store.find_by_email(&email).await?,
            Err(_) => None,
        }
    } else {
        match validate_username(&login) {
            Ok(username) => service.store.find_by_username(&username).await?,
            Err(_) => None,
        }
    };
    let account = account.ok_or(UserError::UserNotFound)?;
    Ok(web::Json(ResolvedLogin {
        user_id: account.id,
    }))
}
