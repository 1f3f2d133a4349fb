//! `POST /internal/v1/credentials/verify` (nexus-auth's login): the account summary when the
//! login and password match, `invalid_credentials` otherwise, the same work either way.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::user::{AccountSummary, VerifyCredentialsRequest};

use crate::UserService;
use crate::domain::email::{MAX_EMAIL_LENGTH, normalize_email};
use crate::domain::password_policy::MAX_PASSWORD_BYTES;
use crate::domain::username::validate_username;
use crate::error::UserError;
use crate::metrics::CredentialOutcome;

/// Looks the account up by email (when the login has `@`) or username (any case), verifies
/// the password on the blocking pool (against a dummy hash when there is no account), stores
/// a stronger hash when the parameters have risen, and refuses disabled accounts only after
/// the password matched (so `account_disabled` never reveals an account to a guesser).
pub async fn verify_credentials(
    service: web::Data<UserService>,
    body: web::Json<VerifyCredentialsRequest>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    let request = body.into_inner();
    if request.login.len() > MAX_EMAIL_LENGTH || request.password.len() > MAX_PASSWORD_BYTES {
        service
            .metrics
            .credential_check(CredentialOutcome::Rejected);
        return Err(UserError::InvalidCredentials.into());
    }
    let account = if request.login.contains('@') {
        match normalize_email(&request.login) {
            Ok(email) => service.store.find_by_email(&email).await?,
            Err(_) => None,
        }
    } else {
        match validate_username(&request.login) {
            Ok(username) => service.store.find_by_username(&username).await?,
            Err(_) => None,
        }
    };
    let stored = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    let verification = service.hasher.verify(request.password, stored).await?;
    let Some(account) = account.filter(|_| verification.matches) else {
        tracing::info!("A credential check failed.");
        service
            .metrics
            .credential_check(CredentialOutcome::Rejected);
        return Err(UserError::InvalidCredentials.into());
    };
    if let Some(rehashed) = verification.rehashed {
        // A failure here must not fail the sign-in; the next one retries.
        match service
            .store
            .replace_password_hash(account.id, &account.password_hash, &rehashed)
            .await
        {
            Ok(replaced) => {
                if replaced {
                    service.metrics.rehashed();
                }
                tracing::info!(user_id = %account.id, replaced, "A password hash was upgraded.");
            }
            Err(error) => {
                tracing::warn!(user_id = %account.id, error = %error, "Upgrading a password hash failed.");
            }
        }
    }
    if !account.is_active() {
        service
            .metrics
            .credential_check(CredentialOutcome::Disabled);
        return Err(UserError::AccountDisabled.into());
    }
    service
        .metrics
        .credential_check(CredentialOutcome::Accepted);
    Ok(web::Json(account.summary()))
}
