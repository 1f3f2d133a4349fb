//! The reputation service's one error enum: each variant has a stable code (docs/ERRORS.md) and is
//! mapped to HTTP once, here. Infrastructure failures keep the classification of the crate they
//! come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::{Denied, DependencyError};

use crate::domain::cursor::InvalidCursor;

/// Everything that can go wrong in the reputation service.
#[derive(Debug, thiserror::Error)]
pub enum ReputationError {
    /// No reputation for this account: it linked no wallet that has a settled assertion, or
    /// the id names no account.
    #[error("no reputation for this account: it has no settled assertion from a linked wallet")]
    ReputationNotFound,
    /// No bounty ever named this file, so there is nothing to weigh.
    #[error("no verdict for this file: no bounty has named it")]
    VerdictNotFound,
    /// A `{sha256}` path segment that is not 64 lower-case hex digits.
    #[error("the sha256 must be 64 lower-case hex digits")]
    InvalidSha256,
    /// A query value out of its range or not one of its names.
    #[error("{0}")]
    InvalidQuery(String),
    /// A history cursor this list did not return.
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    /// The policies refused the caller.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A chain event reputation cannot use (an amount or address that does not parse): the
    /// consumer dead-letters it.
    #[error("a malformed chain event: {0}")]
    Malformed(String),
    /// PostgreSQL failed; classified once for every service ([`DependencyError`]): unreachable
    /// is 503 `database_unavailable`, anything else 500 `internal_error`.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Redis (the leaderboards) failed: 503 `redis_unavailable` when unreachable.
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    /// A broken invariant; the client sees an opaque 500, the log the message.
    #[error("{0}")]
    Internal(String),
}

impl HttpError for ReputationError {
    fn status(&self) -> StatusCode {
        match self {
            ReputationError::ReputationNotFound | ReputationError::VerdictNotFound => {
                StatusCode::NOT_FOUND
            }
            ReputationError::InvalidQuery(_)
            | ReputationError::InvalidCursor(_)
            | ReputationError::InvalidSha256 => StatusCode::BAD_REQUEST,
            ReputationError::Denied(denied) => denied.status(),
            ReputationError::Db(error) => error.classify().status,
            ReputationError::Redis(error) => error.classify().status,
            ReputationError::Malformed(_) | ReputationError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ReputationError::ReputationNotFound => "reputation_not_found",
            ReputationError::VerdictNotFound => "verdict_not_found",
            ReputationError::InvalidSha256 => "invalid_sha256",
            ReputationError::InvalidQuery(_) => "invalid_query",
            ReputationError::InvalidCursor(_) => "invalid_cursor",
            ReputationError::Denied(denied) => denied.code(),
            ReputationError::Db(error) => error.classify().code,
            ReputationError::Redis(error) => error.classify().code,
            ReputationError::Malformed(_) | ReputationError::Internal(_) => "internal_error",
        }
    }
}
