//! `POST /v1/users/me/password`: the signed-in account changes its password, proving the
//! current one; every token and session of the account ends (sign in again with the new one).

use actix_web::{HttpResponse, web};
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::user::ChangePasswordRequest;
use nexus_runtime::Caller;
use nexus_runtime::revocation::RevocationReason;

use crate::UserService;
use crate::domain::password_policy::{MAX_PASSWORD_BYTES, PasswordPolicyError};
use crate::error::UserError;
use crate::revocations::announce;

/// 204 once the new password is stored; `current_password_invalid` (403) when the current one
/// is wrong; the password policy's codes for a weak new one. API keys may not call it.
#[utoipa::path(
    post,
    path = "/v1/users/me/password",
    tag = "users",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every session of the account has ended"),
        (status = 400, description = "The new password breaks the policy", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Wrong current password (`current_password_invalid`) or an API key", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn change_password(
    service: web::Data<UserService>,
    caller: Caller,
    body: nexus_http::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let claims = caller.require_signed_in().map_err(UserError::from)?;
    if caller.is_api_key() {
        return Err(UserError::ApiKeyNotAllowed.into());
    }
    let user_id: UserId = claims.sub.parse().map_err(|_| UserError::InvalidSubject)?;
    caller
        .authorize(
            Action::UserUpdate,
            Resource::UserAccount {
                id: user_id.to_string(),
            },
        )
        .map_err(UserError::from)?;
    let request = body.into_inner();
    if request.current_password.len() > MAX_PASSWORD_BYTES
        || request.new_password.len() > MAX_PASSWORD_BYTES
    {
        return Err(UserError::from(PasswordPolicyError::TooLong).into());
    }
    let account = service.store.get(user_id).await?;
    let verification = service
        .hasher
        .verify(
            request.current_password,
            Some(account.password_hash.clone()),
        )
        .await?;
    if !verification.matches {
        tracing::info!(user_id = %user_id, "A password change gave a wrong current password.");
        return Err(UserError::CurrentPasswordInvalid.into());
    }
    let new_hash = service
        .hasher
        .check_and_hash(
            request.new_password,
            vec![account.email.clone(), account.username.clone()],
        )
        .await?
        .map_err(UserError::from)?;
    let Some(mark) = service
        .store
        .change_password(user_id, &account.password_hash, &new_hash)
        .await?
    else {
        // Another change (or reset) won the race; this one proved a password no longer in use.
        return Err(UserError::CurrentPasswordInvalid.into());
    };
    announce(
        &service.bus,
        user_id,
        mark,
        RevocationReason::PasswordChanged,
    )
    .await;
    tracing::info!(user_id = %user_id, "A password was changed.");
    Ok(HttpResponse::NoContent().finish())
}
