//! The bounty service's one error enum: each variant has a stable code (docs/ERRORS.md,
//! "nexus-bounty") and is mapped to HTTP once, here. Infrastructure failures keep the
//! classification of the crate they come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::{Denied, DependencyError};
use uuid::Uuid;

use crate::domain::cursor::InvalidCursor;

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
            BountyError::Denied(denied) => denied.code(),
            BountyError::Db(error) => error.classify().code,
            BountyError::Internal(_) => "internal_error",
        }
    }
}
