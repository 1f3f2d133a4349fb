//! How a failed PostgreSQL or Redis call answers over HTTP: the same status and code in every
//! service, decided here once.
//!
//! A service's error enum keeps its own variants for these failures (so `?` converts
//! `sqlx::Error`, [`DbError`], `redis::RedisError` and [`BusError`] as before) and delegates their
//! status and code here instead of listing the arms again:
//!
//! ```ignore
//! Self::Database(error) => error.classify().status,   // in HttpError::status
//! Self::Database(error) => error.classify().code,     // in HttpError::code
//! ```
//!
//! The rule: a dependency that cannot serve right now is `503 database_unavailable` or
//! `503 redis_unavailable` (the client may retry); anything else, such as a query that failed on
//! its own or a constraint the service did not map to a named error, is a bug:
//! `500 internal_error`. Both are 5xx, so the client sees nexus-http's opaque message and the
//! cause chain goes to the log (see `nexus_http::ApiError`).

use actix_web::http::StatusCode;
use nexus_bus::BusError;
use nexus_db::DbError;

/// The HTTP status and stable code a failure answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable snake_case code (docs/ERRORS.md).
    pub code: &'static str,
}

impl Classification {
    /// PostgreSQL could not be reached or cannot serve right now.
    pub const DATABASE_UNAVAILABLE: Self = Self {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "database_unavailable",
    };
    /// Redis could not be reached or cannot serve right now.
    pub const REDIS_UNAVAILABLE: Self = Self {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "redis_unavailable",
    };
    /// A failure that is not an outage: a bug or a broken invariant.
    pub const INTERNAL: Self = Self {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal_error",
    };
}

/// A failure of a shared dependency that knows how it answers over HTTP.
pub trait DependencyError {
    /// The status and code every service answers this failure with.
    fn classify(&self) -> Classification;
}

impl DependencyError for DbError {
    fn classify(&self) -> Classification {
        if self.is_unavailable() {
            Classification::DATABASE_UNAVAILABLE
        } else {
            Classification::INTERNAL
        }
    }
}

impl DependencyError for redis::RedisError {
    fn classify(&self) -> Classification {
        if nexus_bus::redis_is_unavailable(self) {
            Classification::REDIS_UNAVAILABLE
        } else {
            Classification::INTERNAL
        }
    }
}

impl DependencyError for BusError {
    fn classify(&self) -> Classification {
        if self.is_unavailable() {
            Classification::REDIS_UNAVAILABLE
        } else {
            Classification::INTERNAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> redis::RedisError {
        redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
    }

    #[test]
    fn an_unreachable_database_is_503_and_any_other_database_failure_is_500() {
        let unreachable = DbError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(
            unreachable.classify(),
            Classification {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "database_unavailable"
            }
        );
        for failure in [
            DbError::NotFound,
            DbError::Conflict {
                constraint: "users_email_key".into(),
            },
            DbError::from(sqlx::Error::Protocol("unexpected message".into())),
        ] {
            assert_eq!(failure.classify(), Classification::INTERNAL, "{failure:?}");
        }
    }

    #[test]
    fn unreachable_redis_is_503_the_same_through_the_bus_and_a_refused_command_is_500() {
        assert_eq!(
            refused().classify(),
            Classification {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "redis_unavailable"
            }
        );
        assert_eq!(BusError::Redis(refused()).classify(), refused().classify());
        let wrong_type = redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        ));
        assert_eq!(wrong_type.classify(), Classification::INTERNAL);
        assert_eq!(
            BusError::UnexpectedReply("no entry id".into()).classify(),
            Classification::INTERNAL
        );
    }
}
