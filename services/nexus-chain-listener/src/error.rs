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
    /// The path's account is not an address (`0x` and 40 hex digits; mixed case must carry the
    /// EIP-55 checksum). The text says which rule it broke.
    #[error("{0}")]
    InvalidAddress(String),
    /// The path's proposal id is not the Governor's id in decimal (`400 invalid_proposal_id`).
    #[error("{0}")]
    InvalidProposalId(String),
    /// No proposal with this id in the projection (`404 proposal_not_found`).
    #[error("no proposal {0} on this chain (or not confirmed yet)")]
    ProposalNotFound(String),
    /// A list's `state` or `limit` is not one it takes (`400 invalid_filter`); the text says which.
    #[error("{0}")]
    InvalidFilter(String),
    /// A list's `cursor` is not one it returned (`400 invalid_cursor`).
    #[error("the cursor is not one this list returned; start again without it")]
    InvalidCursor,
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
            ChainListenerError::InvalidAddress(_)
            | ChainListenerError::InvalidProposalId(_)
            | ChainListenerError::InvalidFilter(_)
            | ChainListenerError::InvalidCursor => StatusCode::BAD_REQUEST,
            ChainListenerError::ProposalNotFound(_) => StatusCode::NOT_FOUND,
            ChainListenerError::ChainUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ChainListenerError::Db(error) => error.classify().status,
            ChainListenerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ChainListenerError::InvalidAddress(_) => "invalid_address",
            ChainListenerError::InvalidProposalId(_) => "invalid_proposal_id",
            ChainListenerError::ProposalNotFound(_) => "proposal_not_found",
            ChainListenerError::InvalidFilter(_) => "invalid_filter",
            ChainListenerError::InvalidCursor => "invalid_cursor",
            ChainListenerError::ChainUnavailable(_) => "chain_unavailable",
            ChainListenerError::Db(error) => error.classify().code,
            ChainListenerError::Internal(_) => "internal_error",
        }
    }
}
