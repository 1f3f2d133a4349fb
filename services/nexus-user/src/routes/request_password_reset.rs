//! `POST /v1/users/password-reset`: sends a single-use reset token to an account's address.
//!
//! The answer is 202 whether or not an account has the address, so it reveals nothing. For an
//! existing, not disabled account (and at most `user.password_reset.max_per_hour` times an hour)
//! a pending reset is stored under 32 random bytes, its `reset_id`, in the place of a token
//! hash (no token hashes to them, so the pending reset signs nobody in), and
//! `PasswordResetRequested` carries the `reset_id`, never a token. The notification service then
//! has the token issued once (`POST /internal/v1/password-resets/{reset_id}/token`,
//! `issue_password_reset_token`): only then is a token drawn, its SHA-256 replacing the
//! `reset_id`. So no raw token rests in the outbox table, the Redis stream or a backup.

use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeDelta, Utc};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::user::{PasswordResetRequest, PasswordResetRequested};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::UserService;
use crate::domain::email::normalize_email;
use crate::error::UserError;
use crate::store::security::NewPasswordReset;

/// SHA-256 of a reset token: what is stored and looked up.
pub fn reset_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// 202 always (for a well-formed address).
#[utoipa::path(
    post,
    path = "/v1/users/password-reset",
    tag = "users",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If an account has this address, a reset link is on its way"),
        (status = 400, description = "Not an e-mail address", body = ErrorBody)
    )
)]
pub async fn request_password_reset(
    service: web::Data<UserService>,
    context: RequestContext,
    body: nexus_http::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = normalize_email(&body.email).map_err(UserError::from)?;
    if let Some(account) = service.store.find_by_email(&email).await?
        && account.is_active()
    {
        let settings = &service.settings.password_reset;
        let hour_ago = Utc::now() - TimeDelta::hours(1);
        let recent = service
            .store
            .password_resets_since(account.id, hour_ago)
            .await?;
        if recent < i64::from(settings.max_per_hour) {
            let mut reset_id = [0u8; 32];
            rand::rng().fill_bytes(&mut reset_id);
            let ttl = TimeDelta::from_std(settings.token_ttl).unwrap_or(TimeDelta::minutes(30));
            let reset = NewPasswordReset {
                token_hash: reset_id.to_vec(),
                requested: PasswordResetRequested {
                    reset_id: URL_SAFE_NO_PAD.encode(reset_id),
                    user_id: account.id,
                    email: account.email.clone(),
                    expires_at: Utc::now() + ttl,
                },
            };
            let traceparent = context.trace.to_string();
            service
                .store
                .create_password_reset(&reset, Some(&traceparent))
                .await?;
            tracing::info!(user_id = %account.id, "A password reset was requested.");
        } else {
            tracing::info!(user_id = %account.id, "A password reset request was over the hourly limit.");
        }
    }
    Ok(HttpResponse::Accepted().finish())
}
