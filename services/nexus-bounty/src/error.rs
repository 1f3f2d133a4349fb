//! The bounty service's one error enum: each variant has a stable code (docs/ERRORS.md,
//! "nexus-bounty") and is mapped to HTTP once, here. Infrastructure failures keep the
//! classification of the crate they come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::{Denied, DependencyError};
use uuid::Uuid;

use crate::domain::cursor::InvalidCursor;
use crate::domain::intent::IntentError;

/// Everything that can go wrong in the bounty service.
#[derive(Debug, thiserror::Error)]
pub enum BountyError {
    /// No such bounty, or one the caller may not read (the same answer, so probing ids reveals
    /// nothing).
    #[error("no bounty {0} exists that you may read")]
    BountyNotFound(Uuid),
    /// A list cursor from another sort, or not from this list at all.
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    /// A list filter or page size out of range; the message names it.
    #[error("{0}")]
    InvalidFilter(String),
    /// A signed intent or permit that is malformed (400), not signed by its signer over these
    /// values, or expired (422); the message names the field.
    #[error(transparent)]
    InvalidIntent(#[from] IntentError),
    /// The chain node or the contracts' deployments file cannot be read now; retry later.
    #[error("the chain cannot be read right now: {0}; try again in a minute")]
    ChainUnavailable(String),
    /// An intent's signer is not a wallet the caller linked (`POST /v1/users/me/wallets`).
    #[error(
        "the intent was signed by {0}, which is not a wallet linked to your account; link it \
         first (POST /api/v1/users/me/wallets) or sign with a linked one"
    )]
    WalletNotLinked(alloy::primitives::Address),
    /// nexus-user could not be asked (down, timed out, or answered an error).
    #[error("the user service is unavailable")]
    UserServiceUnavailable(#[source] nexus_client::ClientError),
    /// nexus-analysis could not be asked (down, timed out, or answered an error).
    #[error("the analysis service is unavailable")]
    AnalysisServiceUnavailable(#[source] nexus_client::ClientError),
    /// The caller may not do this (the policies or an API key's scopes decided).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// PostgreSQL failed; classified once for every service ([`DependencyError`]): unreachable
    /// is 503 `database_unavailable`, anything else 500 `internal_error`.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A broken invariant; the client sees an opaque 500, the log the message.
    #[error("{0}")]
    Internal(String),
}

impl HttpError for BountyError {
    fn status(&self) -> StatusCode {
        match self {
            BountyError::BountyNotFound(_) => StatusCode::NOT_FOUND,
            BountyError::InvalidCursor(_) | BountyError::InvalidFilter(_) => {
                StatusCode::BAD_REQUEST
            }
            BountyError::InvalidIntent(IntentError::Malformed { .. }) => StatusCode::BAD_REQUEST,
            BountyError::InvalidIntent(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BountyError::WalletNotLinked(_) => StatusCode::FORBIDDEN,
            BountyError::ChainUnavailable(_)
            | BountyError::UserServiceUnavailable(_)
            | BountyError::AnalysisServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            BountyError::Denied(denied) => denied.status(),
            BountyError::Db(error) => error.classify().status,
            BountyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            BountyError::BountyNotFound(_) => "bounty_not_found",
            BountyError::InvalidCursor(_) => "invalid_cursor",
            BountyError::InvalidFilter(_) => "invalid_filter",
            BountyError::InvalidIntent(error) => error.code(),
            BountyError::ChainUnavailable(_) => "chain_unavailable",
            BountyError::WalletNotLinked(_) => "wallet_not_linked",
            BountyError::UserServiceUnavailable(_) => "user_service_unavailable",
            BountyError::AnalysisServiceUnavailable(_) => "analysis_service_unavailable",
            BountyError::Denied(denied) => denied.code(),
            BountyError::Db(error) => error.classify().code,
            BountyError::Internal(_) => "internal_error",
        }
    }
}
