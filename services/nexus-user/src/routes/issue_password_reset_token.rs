//! `POST /internal/v1/password-resets/{reset_id}/token` (the notification service, on
//! `PasswordResetRequested`): issues the reset's single-use token, once.
//!
//! The token is drawn here, at delivery, and only its SHA-256 is stored, replacing the
//! `reset_id` the pending reset was kept under: so the raw token exists only in this answer
//! (in-cluster, behind the service token) and in the mail, never in the outbox table or the
//! Redis stream. A second call, or a call for a used or expired reset, is 404
//! `password_reset_not_found`: whoever got the token first is the only one who has it.

use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nexus_http::ApiError;
use nexus_proto::user::PasswordResetToken;
use rand::RngCore;

use super::request_password_reset::reset_token_hash;
use crate::UserService;
use crate::error::UserError;

/// 200 with the token and its expiry; 404 `password_reset_not_found`.
pub async fn issue_password_reset_token(
    service: web::Data<UserService>,
    path: web::Path<String>,
) -> Result<web::Json<PasswordResetToken>, ApiError> {
    let reset_id = URL_SAFE_NO_PAD
        .decode(path.as_bytes())
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .ok_or(UserError::PasswordResetNotFound)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = service
        .store
        .issue_password_reset_token(&reset_id, &reset_token_hash(&token))
        .await?
        .ok_or(UserError::PasswordResetNotFound)?;
    tracing::info!("A password reset token was issued for its mail.");
    Ok(web::Json(PasswordResetToken { token, expires_at }))
}
