//! `POST /v1/users/password-reset/confirm`: sets a new password with a mailed reset token; the
//! token is used up and every token and session of the account ends.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::PasswordResetConfirmRequest;
use nexus_runtime::revocation::RevocationReason;

use super::request_password_reset::reset_token_hash;
use crate::UserService;
use crate::domain::password_policy::{MAX_PASSWORD_BYTES, PasswordPolicyError};
use crate::error::UserError;
use crate::revocations::announce;

/// Longest reset token accepted (ours are 43 characters).
const MAX_TOKEN_BYTES: usize = 128;

/// 204 once the password is set; `password_reset_token_invalid` for an unknown, used or
/// expired token; the password policy's codes for a weak password (the token stays usable).
#[utoipa::path(
    post,
    path = "/v1/users/password-reset/confirm",
    tag = "users",
    request_body = PasswordResetConfirmRequest,
    responses(
        (status = 204, description = "Password set; every session of the account has ended"),
        (status = 400, description = "Invalid token (`password_reset_token_invalid`) or weak password", body = ErrorBody)
    )
)]
pub async fn confirm_password_reset(
    service: web::Data<UserService>,
    body: nexus_http::Json<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    if request.token.is_empty() || request.token.len() > MAX_TOKEN_BYTES {
        return Err(UserError::PasswordResetInvalid.into());
    }
    if request.new_password.len() > MAX_PASSWORD_BYTES {
        return Err(UserError::from(PasswordPolicyError::TooLong).into());
    }
    let token_hash = reset_token_hash(&request.token);
    let Some(account) = service.store.password_reset_account(&token_hash).await? else {
        return Err(UserError::PasswordResetInvalid.into());
    };
    let new_hash = service
        .hasher
        .check_and_hash(
            request.new_password,
            vec![account.email.clone(), account.username.clone()],
        )
        .await?
        .map_err(UserError::from)?;
    // Checked again atomically: a concurrent confirmation uses the token once.
    let Some((user_id, mark)) = service
        .store
        .consume_password_reset(&token_hash, &new_hash)
        .await?
    else {
        return Err(UserError::PasswordResetInvalid.into());
    };
    announce(
        &service.bus,
        user_id,
        mark,
        RevocationReason::PasswordChanged,
    )
    .await;
    tracing::info!(user_id = %user_id, "A password was reset.");
    Ok(HttpResponse::NoContent().finish())
}
