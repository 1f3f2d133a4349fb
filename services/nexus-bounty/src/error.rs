//! The bounty service's one error enum: each variant has a stable code (docs/ERRORS.md) and is
//! mapped to HTTP once, here. Variants for the service's own refusals arrive with its
//! endpoints; infrastructure failures keep the classification of the crate they come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::DependencyError;

/// Everything that can go wrong in the bounty service.
#[derive(Debug, thiserror::Error)]
pub enum BountyError {
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
            BountyError::Db(error) => error.classify().status,
            BountyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            BountyError::Db(error) => error.classify().code,
            BountyError::Internal(_) => "internal_error",
        }
    }
}
