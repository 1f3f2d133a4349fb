//! The chain listener's one error enum: each variant has a stable code (docs/ERRORS.md) and is
//! mapped to HTTP once, here. Infrastructure failures keep the classification of the crate they
//! come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::DependencyError;

/// Everything that can go wrong in the chain listener.
#[derive(Debug, thiserror::Error)]
pub enum ChainListenerError {
    /// The path's account is not an address (`0x` and 40 hex digits).
    #[error("{0:?} is not an address: expected 0x followed by 40 hex digits")]
    InvalidAddress(String),
    /// The follower has not reached the chain yet (or cannot), so there is nothing to answer
    /// from: `503 chain_unavailable`, retry later.
    #[error("the chain is not reachable yet: {0}")]
    ChainUnavailable(String),
    /// PostgreSQL failed; classified once for every service ([`DependencyError`]): unreachable
    /// is 503 `database_unavailable`, anything else 500 `internal_error`.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A broken invariant; the client sees an opaque 500, the log the message.
    #[error("{0}")]
    Internal(String),
}

impl HttpError for ChainListenerError {
    fn status(&self) -> StatusCode {
        match self {
            ChainListenerError::InvalidAddress(_) => StatusCode::BAD_REQUEST,
            ChainListenerError::ChainUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ChainListenerError::Db(error) => error.classify().status,
            ChainListenerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ChainListenerError::InvalidAddress(_) => "invalid_address",
            ChainListenerError::ChainUnavailable(_) => "chain_unavailable",
            ChainListenerError::Db(error) => error.classify().code,
            ChainListenerError::Internal(_) => "internal_error",
        }
    }
}
