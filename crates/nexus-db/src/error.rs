//! Classified database errors.

/// A database failure, classified so each service can map it to HTTP once.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row asked for does not exist.
    #[error("the requested row does not exist")]
    NotFound,
    /// A unique constraint was violated (a duplicate).
    #[error("a row with the same unique key already exists (constraint {constraint})")]
    Conflict {
        /// The violated constraint's name, for mapping to a specific error.
        constraint: String,
    },
    /// A foreign key points at a row that does not exist.
    #[error("a referenced row does not exist (constraint {constraint})")]
    MissingReference {
        /// The violated constraint's name.
        constraint: String,
    },
    /// The database cannot be reached or no pooled connection became free in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("applying database migrations failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// Any other driver error (a bug or an unexpected state).
    #[error("the database query failed")]
    Query(#[source] sqlx::Error),
}

impl DbError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DbError::NotFound => "not_found",
            DbError::Conflict { .. } => "conflict",
            DbError::MissingReference { .. } => "missing_reference",
            DbError::Unavailable(_) => "database_unavailable",
            DbError::Migrate(_) => "migration_failed",
            DbError::Query(_) => "database_error",
        }
    }

    /// True when the database could not be reached (worth retrying later), as opposed to a
    /// query that failed on its own: services answer the first with 503, the second with 500.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }

    /// The violated constraint, for conflicts and missing references.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            DbError::Conflict { constraint } | DbError::MissingReference { constraint } => {
                Some(constraint)
            }
            _ => None,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(database_error) => {
                let constraint = database_error.constraint().unwrap_or("unknown").to_owned();
                if database_error.is_unique_violation() {
                    DbError::Conflict { constraint }
                } else if database_error.is_foreign_key_violation() {
                    DbError::MissingReference { constraint }
                } else if is_unavailable_code(database_error.code().as_deref()) {
                    DbError::Unavailable(error)
                } else {
                    DbError::Query(error)
                }
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => DbError::Unavailable(error),
            _ => DbError::Query(error),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        DbError::Migrate(error)
    }
}

/// SQLSTATE classes that mean "try again later": connection exceptions (08), insufficient
/// resources (53), operator intervention such as shutdown (57).
fn is_unavailable_code(code: Option<&str>) -> bool {
    code.is_some_and(|code| {
        code.starts_with("08") || code.starts_with("53") || code.starts_with("57")
    })
}
