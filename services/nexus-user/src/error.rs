//! The user service's one error enum: each variant has a stable code (docs/ERRORS.md) and
//! is mapped to HTTP once, here.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::DependencyError;

use crate::domain::email::EmailError;
use crate::domain::password_policy::PasswordPolicyError;
use crate::domain::profile::ProfileError;
use crate::domain::siwe::SiweParseError;
use crate::domain::username::UsernameError;
use crate::domain::wallet::WalletAddressError;
use crate::domain::ws_key::WsKeyError;

/// Everything that can go wrong in the user service.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The email address is malformed or too long.
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),
    /// The username breaks the alphabet or length rule.
    #[error(transparent)]
    InvalidUsername(#[from] UsernameError),
    /// The password breaks the policy (short, long or weak).
    #[error(transparent)]
    Password(#[from] PasswordPolicyError),
    /// Another account has this email address.
    #[error("an account with this email address already exists; sign in or reset the password")]
    EmailTaken,
    /// Another account has this username (in any case).
    #[error("this username is taken; choose another")]
    UsernameTaken,
    /// No account has this referral code.
    #[error("no account has this referral code; check it or register without one")]
    UnknownReferralCode,
    /// A profile field is too long or malformed.
    #[error(transparent)]
    InvalidProfile(#[from] ProfileError),
    /// Wrong login or password (the same answer whether or not the account exists).
    #[error("the login or password is wrong")]
    InvalidCredentials,
    /// The account is disabled.
    #[error("this account is disabled; contact support")]
    AccountDisabled,
    /// No such account.
    #[error("no user has this id")]
    UserNotFound,
    /// No pending password reset has this id (unknown, its token already issued, used or
    /// expired).
    #[error("no pending password reset has this id; its token may have been issued already")]
    PasswordResetNotFound,
    /// The token's subject is not a user id.
    #[error("the access token's subject is not a user id")]
    InvalidSubject,
    /// Not an assignable role.
    #[error("the role must be one of user, analyst or admin")]
    InvalidRole,
    /// The wallet address is not `0x` + 40 hex digits (or fails its EIP-55 checksum).
    #[error(
        "the address must be 0x followed by 40 hex digits, with a valid EIP-55 checksum if mixed case"
    )]
    InvalidWalletAddress,
    /// Chain id 0 or beyond what JSON clients can represent.
    #[error("the chain id must be between 1 and 9007199254740991")]
    InvalidChainId,
    /// The signed message is not a valid EIP-4361 message.
    #[error("the message is not a valid Sign-In with Ethereum message: {0}")]
    MalformedSiweMessage(SiweParseError),
    /// The message names another domain, URI or statement than this service issues.
    #[error("the message was not issued by this service ({0} differs); request a new challenge")]
    SiweMessageMismatch(&'static str),
    /// The nonce was never issued, was already used, or its record has lapsed.
    #[error("this challenge is unknown or was already used; request a new challenge")]
    SiweNonceUnknown,
    /// The challenge was issued for another account, address or chain.
    #[error("this challenge was issued for another account, address or chain; request a new one")]
    SiweChallengeMismatch,
    /// The challenge's expiration time has passed.
    #[error("this challenge has expired; request a new one and sign it within its lifetime")]
    SiweChallengeExpired,
    /// The signature is not 65 bytes of hex.
    #[error("the signature must be 65 bytes (r, s, v) as hex")]
    MalformedSignature,
    /// The signature was made by another key than the message's address.
    #[error("the signature was not made by the address in the message")]
    WalletSignatureMismatch,
    /// The wallet is linked to an account already.
    #[error("this wallet is already linked to an account; unlink it there first")]
    WalletTaken,
    /// The account has the most wallets allowed.
    #[error("this account has the most wallets allowed ({0}); unlink one first")]
    TooManyWallets(i64),
    /// The wallet is not linked to this account.
    #[error("no wallet with this address is linked to your account")]
    WalletNotFound,
    /// The key is not a valid Ed25519 public key.
    #[error(
        "the public key must be a 32-byte Ed25519 key as 64 hex digits or base64, and a valid curve point"
    )]
    MalformedKey,
    /// The key is a small-order point.
    #[error("the public key is a weak (small-order) point; generate a fresh key pair")]
    WeakKey,
    /// The key is registered (active) already.
    #[error("this public key is already registered")]
    WsKeyTaken,
    /// The account has the most keys allowed.
    #[error("this account has the most WebSocket keys allowed ({0}); revoke one first")]
    TooManyWsKeys(i64),
    /// No active key with this id belongs to the caller.
    #[error("no active WebSocket key with this id belongs to you")]
    WsKeyNotFound,
    /// Registration without a challenge and a signature over it.
    #[error(
        "prove you hold the key: request a challenge (POST /v1/users/me/ws-keys/challenge), sign it with the key and send challenge and signature"
    )]
    WsKeyProofRequired,
    /// The registration challenge was never issued, was used already, has expired, or was
    /// issued to another account.
    #[error("this challenge is unknown, expired or already used; request a new one")]
    WsKeyChallengeUnknown,
    /// The signature over the challenge is malformed or was not made by the key.
    #[error(
        "the signature must be 128 hex digits: the key's Ed25519 signature over the registration message for this challenge"
    )]
    WsKeySignatureInvalid,
    /// Too many credential checks for this login, account or overall.
    #[error("too many credential checks; retry after the time in Retry-After")]
    CredentialChecksLimited(std::time::Duration),
    /// Internal lookup: no active key with this public key.
    #[error("no active WebSocket key has this public key")]
    UnknownKey,
    /// The caller may not do this (Cedar decision or API-key scope).
    #[error(transparent)]
    Denied(#[from] nexus_runtime::caller::Denied),
    /// Not a status an administrator may set.
    #[error("the status must be one of active, banned or disabled")]
    InvalidStatus,
    /// The current password given to a password change is wrong.
    #[error("the current password is wrong")]
    CurrentPasswordInvalid,
    /// API-key tokens may not manage credentials.
    #[error("an API key cannot be used to manage credentials; sign in with a password")]
    ApiKeyNotAllowed,
    /// The reset token is unknown, used or expired.
    #[error("this password reset link is invalid, used or expired; request a new one")]
    PasswordResetInvalid,
    /// The settings are unusable.
    #[error("invalid user settings: {0}")]
    InvalidSettings(String),
    /// A database failure.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Redis failed.
    #[error("redis failed")]
    Redis(#[from] redis::RedisError),
    /// A bug or an unexpected state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<WsKeyError> for UserError {
    fn from(error: WsKeyError) -> Self {
        match error {
            WsKeyError::Malformed => UserError::MalformedKey,
            WsKeyError::Weak => UserError::WeakKey,
            WsKeyError::BadSignature => UserError::WsKeySignatureInvalid,
        }
    }
}

// Not `#[from]`: the parser's message is the answer's message (a 400), so it is shown, not
// also returned as the source.
impl From<SiweParseError> for UserError {
    fn from(error: SiweParseError) -> Self {
        UserError::MalformedSiweMessage(error)
    }
}

impl From<WalletAddressError> for UserError {
    fn from(_: WalletAddressError) -> Self {
        UserError::InvalidWalletAddress
    }
}

impl From<sqlx::Error> for UserError {
    fn from(error: sqlx::Error) -> Self {
        UserError::Db(DbError::from(error))
    }
}

impl HttpError for UserError {
    fn status(&self) -> StatusCode {
        match self {
            UserError::InvalidEmail(_)
            | UserError::InvalidUsername(_)
            | UserError::Password(_)
            | UserError::UnknownReferralCode
            | UserError::InvalidProfile(_)
            | UserError::InvalidRole
            | UserError::InvalidWalletAddress
            | UserError::InvalidChainId
            | UserError::MalformedSiweMessage(_)
            | UserError::SiweMessageMismatch(_)
            | UserError::SiweNonceUnknown
            | UserError::SiweChallengeMismatch
            | UserError::SiweChallengeExpired
            | UserError::MalformedSignature
            | UserError::WalletSignatureMismatch
            | UserError::MalformedKey
            | UserError::WeakKey
            | UserError::WsKeyProofRequired
            | UserError::WsKeyChallengeUnknown
            | UserError::WsKeySignatureInvalid => StatusCode::BAD_REQUEST,
            UserError::CredentialChecksLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            UserError::InvalidStatus | UserError::PasswordResetInvalid => StatusCode::BAD_REQUEST,
            UserError::Denied(denied) => denied.status(),
            UserError::CurrentPasswordInvalid | UserError::ApiKeyNotAllowed => {
                StatusCode::FORBIDDEN
            }
            UserError::InvalidCredentials | UserError::InvalidSubject => StatusCode::UNAUTHORIZED,
            UserError::AccountDisabled => StatusCode::FORBIDDEN,
            UserError::UserNotFound
            | UserError::PasswordResetNotFound
            | UserError::WalletNotFound
            | UserError::WsKeyNotFound
            | UserError::UnknownKey => StatusCode::NOT_FOUND,
            UserError::EmailTaken
            | UserError::UsernameTaken
            | UserError::WalletTaken
            | UserError::TooManyWallets(_)
            | UserError::WsKeyTaken
            | UserError::TooManyWsKeys(_) => StatusCode::CONFLICT,
            UserError::Db(error) => error.classify().status,
            UserError::Redis(error) => error.classify().status,
            UserError::InvalidSettings(_) | UserError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            UserError::InvalidEmail(_) => "invalid_email",
            UserError::InvalidUsername(_) => "invalid_username",
            UserError::Password(PasswordPolicyError::TooShort(_)) => "password_too_short",
            UserError::Password(PasswordPolicyError::TooLong) => "password_too_long",
            UserError::Password(PasswordPolicyError::TooWeak { .. }) => "password_too_weak",
            UserError::EmailTaken => "email_taken",
            UserError::UsernameTaken => "username_taken",
            UserError::UnknownReferralCode => "unknown_referral_code",
            UserError::InvalidProfile(_) => "invalid_profile_field",
            UserError::InvalidCredentials => "invalid_credentials",
            UserError::AccountDisabled => "account_disabled",
            UserError::UserNotFound => "user_not_found",
            UserError::PasswordResetNotFound => "password_reset_not_found",
            UserError::InvalidSubject => "token_subject_invalid",
            UserError::InvalidRole => "invalid_role",
            UserError::InvalidWalletAddress => "invalid_wallet_address",
            UserError::InvalidChainId => "invalid_chain_id",
            UserError::MalformedSiweMessage(_) => "malformed_siwe_message",
            UserError::SiweMessageMismatch(_) => "siwe_message_mismatch",
            UserError::SiweNonceUnknown => "siwe_nonce_unknown",
            UserError::SiweChallengeMismatch => "siwe_challenge_mismatch",
            UserError::SiweChallengeExpired => "siwe_challenge_expired",
            UserError::MalformedSignature => "malformed_signature",
            UserError::WalletSignatureMismatch => "wallet_signature_mismatch",
            UserError::WalletTaken => "wallet_taken",
            UserError::TooManyWallets(_) => "too_many_wallets",
            UserError::WalletNotFound => "wallet_not_found",
            UserError::MalformedKey => "malformed_key",
            UserError::WeakKey => "weak_key",
            UserError::WsKeyTaken => "ws_key_taken",
            UserError::TooManyWsKeys(_) => "too_many_ws_keys",
            UserError::WsKeyNotFound => "ws_key_not_found",
            UserError::UnknownKey => "unknown_key",
            UserError::WsKeyProofRequired => "ws_key_proof_required",
            UserError::WsKeyChallengeUnknown => "ws_key_challenge_unknown",
            UserError::WsKeySignatureInvalid => "ws_key_signature_invalid",
            UserError::CredentialChecksLimited(_) => "credential_checks_limited",
            UserError::Denied(denied) => denied.code(),
            UserError::InvalidStatus => "invalid_status",
            UserError::CurrentPasswordInvalid => "current_password_invalid",
            UserError::ApiKeyNotAllowed => "api_key_not_allowed",
            UserError::PasswordResetInvalid => "password_reset_token_invalid",
            UserError::InvalidSettings(_) => "user_invalid_settings",
            UserError::Db(error) => error.classify().code,
            UserError::Redis(error) => error.classify().code,
            UserError::Internal(_) => "internal_error",
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
        let unreachable_database = UserError::Db(DbError::from(sqlx::Error::PoolTimedOut));
        let refused_redis = UserError::Redis(redis::RedisError::from(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        let failed_query = UserError::Db(DbError::NotFound);

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
