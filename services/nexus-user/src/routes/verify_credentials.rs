//! `POST /internal/v1/credentials/verify` (nexus-auth's login): the account summary when the
//! login and password match, `invalid_credentials` otherwise, the same work either way. Every
//! check is counted per login, per account and overall (`user.credential_limits`, in Redis);
//! over a limit the answer is 429 `credential_checks_limited` with `Retry-After`, before any
//! password hashing.

use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError, web};
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
    body: nexus_http::Json<VerifyCredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    match check(&service, body.into_inner()).await {
        Ok(summary) => Ok(HttpResponse::Ok().json(summary)),
        Err(UserError::CredentialChecksLimited(wait)) => {
            service
                .metrics
                .credential_check(CredentialOutcome::Rejected);
            tracing::warn!(retry_after = ?wait, "Credential checks over their limit were refused.");
            let mut response =
                ApiError::from(UserError::CredentialChecksLimited(wait)).error_response();
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

async fn check(
    service: &UserService,
    request: VerifyCredentialsRequest,
) -> Result<AccountSummary, UserError> {
    if request.login.len() > MAX_EMAIL_LENGTH || request.password.len() > MAX_PASSWORD_BYTES {
        service
            .metrics
            .credential_check(CredentialOutcome::Rejected);
        return Err(UserError::InvalidCredentials);
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
    service
        .credential_limits
        .count(&request.login, account.as_ref().map(|account| account.id))
        .await?;
    let stored = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    let verification = service.hasher.verify(request.password, stored).await?;
    let Some(account) = account.filter(|_| verification.matches) else {
        tracing::info!("A credential check failed.");
        service
            .metrics
            .credential_check(CredentialOutcome::Rejected);
        return Err(UserError::InvalidCredentials);
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
        return Err(UserError::AccountDisabled);
    }
    service
        .metrics
        .credential_check(CredentialOutcome::Accepted);
    Ok(account.summary())
}
