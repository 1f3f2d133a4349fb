//! [`AuthError`]: every way a request to nexus-auth fails, with its stable code and status.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use nexus_db::DbError;
use nexus_http::{ApiError, HttpError};
use nexus_policy::PolicyError;
use nexus_runtime::DependencyError;

/// Why a request failed. Codes are documented in docs/ERRORS.md.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong login or password (the same answer whether or not the account exists).
    #[error("the login or password is wrong")]
    InvalidCredentials,
    /// The account is disabled or banned.
    #[error("this account is disabled")]
    AccountDisabled,
    /// Too many failures: the login name is locked for a while.
    #[error("too many failed sign-ins for this account; try again in {} s", .0.as_secs().max(1))]
    AccountLocked(Duration),
    /// Too soon after the last failure.
    #[error("wait {} s before the next sign-in attempt for this account", .0.as_secs().max(1))]
    LoginThrottled(Duration),
    /// The user service refused to check more passwords for this login or account for now
    /// (its own limit, `user.credential_limits`).
    #[error("too many password checks for this account right now; try again in a minute")]
    CredentialChecksLimited,
    /// Too many attempts from this address.
    #[error("too many sign-in attempts from your address; try again in {} s", .0.as_secs().max(1))]
    IpRateLimited(Duration),
    /// The MFA challenge is unknown, used, expired or exhausted.
    #[error("the mfa_token is invalid or expired; sign in again")]
    MfaTokenInvalid,
    /// The TOTP or recovery code is wrong or was already used.
    #[error("the code is wrong or was already used")]
    MfaCodeInvalid,
    /// A signed-in account confirming its TOTP enrolment typed a wrong code. 403, not 401: the
    /// access token is fine, and a client told 401 signs its user out.
    #[error(
        "the code is wrong or was already used; type the current code from your authenticator app"
    )]
    ConfirmationCodeInvalid,
    /// A signed-in account re-authenticating (disabling MFA) typed a wrong password. 403, not
    /// 401, for the same reason.
    #[error("the current password is wrong")]
    CurrentPasswordInvalid,
    /// A second factor is already enabled.
    #[error("two-factor authentication is already enabled; disable it first")]
    MfaAlreadyEnabled,
    /// No enrolment to confirm, or nothing to disable.
    #[error(
        "two-factor authentication is not set up for this account; start with POST /v1/auth/mfa/totp"
    )]
    MfaNotEnrolled,
    /// The refresh token is unknown, expired or revoked.
    #[error("the refresh token is invalid or expired; sign in again")]
    RefreshTokenInvalid,
    /// A refresh token was presented twice: its whole family is revoked.
    #[error(
        "this refresh token was already used; every session derived from it has been revoked, sign in again"
    )]
    RefreshTokenReused,
    /// The caller may not do this (role or policy).
    #[error("{0}")]
    Forbidden(String),
    /// `/v1/authorize` was asked about another principal by a caller who may not.
    #[error("you may ask only about yourself or a guest; administrators may ask about anyone")]
    PrincipalMismatch,
    /// The action needs a session confirmed with a second factor.
    #[error("this action needs a session signed in with a second factor")]
    MfaRequired,
    /// API-key tokens may not manage credentials.
    #[error("an API key cannot be used to manage credentials; sign in with a password")]
    ApiKeyNotAllowed,
    /// No such API key (of the caller).
    #[error("no API key with this id belongs to you")]
    ApiKeyNotFound,
    /// A field is missing, too long or malformed.
    #[error("{field}: {message}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The policy text does not validate.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The user service refused or failed.
    #[error("the user service is unavailable")]
    UserServiceUnavailable(#[source] nexus_client::ClientError),
    /// Database failure.
    #[error("database failure")]
    Store(#[from] DbError),
    /// Redis failure.
    #[error("redis failure")]
    Redis(#[from] redis::RedisError),
    /// Anything else (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthError {
    /// How long the client should wait, for the 429s.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::AccountLocked(wait) | Self::LoginThrottled(wait) | Self::IpRateLimited(wait) => {
                Some(*wait)
            }
            // The user service's Retry-After does not travel through the client error; its
            // per-login window is minutes, so a minute is a fair first wait.
            Self::CredentialChecksLimited => Some(Duration::from_secs(60)),
            _ => None,
        }
    }

    /// The error response with a `Retry-After` header (whole seconds, rounded up) when the
    /// error says how long to wait.
    pub fn into_response(self) -> HttpResponse {
        let retry_after = self.retry_after();
        let mut response = ApiError::from(self).error_response();
        if let Some(wait) = retry_after {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }

    /// A field error.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field,
            message: message.into(),
        }
    }
}

impl HttpError for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            Self::InvalidCredentials
            | Self::MfaTokenInvalid
            | Self::MfaCodeInvalid
            | Self::RefreshTokenInvalid
            | Self::RefreshTokenReused => StatusCode::UNAUTHORIZED,
            Self::AccountDisabled
            | Self::Forbidden(_)
            | Self::PrincipalMismatch
            | Self::MfaRequired
            | Self::ConfirmationCodeInvalid
            | Self::CurrentPasswordInvalid
            | Self::ApiKeyNotAllowed => StatusCode::FORBIDDEN,
            Self::AccountLocked(_)
            | Self::LoginThrottled(_)
            | Self::IpRateLimited(_)
            | Self::CredentialChecksLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::MfaAlreadyEnabled | Self::MfaNotEnrolled => StatusCode::CONFLICT,
            Self::ApiKeyNotFound => StatusCode::NOT_FOUND,
            Self::InvalidField { .. } | Self::Policy(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UserServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(error) => error.classify().status,
            Self::Redis(error) => error.classify().status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::AccountLocked(_) => "account_locked",
            Self::LoginThrottled(_) => "login_throttled",
            Self::IpRateLimited(_) => "too_many_login_attempts",
            Self::CredentialChecksLimited => "credential_checks_limited",
            Self::MfaTokenInvalid => "mfa_token_invalid",
            Self::MfaCodeInvalid => "mfa_code_invalid",
            Self::ConfirmationCodeInvalid => "mfa_confirmation_code_invalid",
            Self::CurrentPasswordInvalid => "current_password_invalid",
            Self::MfaAlreadyEnabled => "mfa_already_enabled",
            Self::MfaNotEnrolled => "mfa_not_enrolled",
            Self::RefreshTokenInvalid => "refresh_token_invalid",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::Forbidden(_) => "permission_denied",
            Self::PrincipalMismatch => "principal_mismatch",
            Self::MfaRequired => "mfa_required",
            Self::ApiKeyNotAllowed => "api_key_not_allowed",
            Self::ApiKeyNotFound => "api_key_not_found",
            Self::InvalidField { .. } => "invalid_field",
            Self::Policy(error) => error.code(),
            Self::UserServiceUnavailable(_) => "user_service_unavailable",
            Self::Store(error) => error.classify().code,
            Self::Redis(error) => error.classify().code,
            Self::Internal(_) => "internal_error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Database and Redis failures answer as in every other service (nexus_runtime's
    /// DependencyError), whatever the variant is called here.
    #[test]
    fn dependency_failures_answer_like_every_other_service() {
        let unreachable_database = AuthError::Store(DbError::from(sqlx::Error::PoolTimedOut));
        let refused_redis = AuthError::Redis(redis::RedisError::from(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        let failed_query = AuthError::Store(DbError::NotFound);

        for (error, status, code) in [
            (
                unreachable_database,
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
            ),
            (
                refused_redis,
                StatusCode::SERVICE_UNAVAILABLE,
                "redis_unavailable",
            ),
            (
                failed_query,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
            ),
        ] {
            assert_eq!((error.status(), error.code()), (status, code), "{error:?}");
        }
    }
}
