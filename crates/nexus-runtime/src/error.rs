//! Why a process could not start.
//!
//! Messages do not repeat their cause: a variant that wraps an error returns it from `source()`
//! and says only what it was doing, so `nexus_http::error::cause_chain` (which `main` prints)
//! reads `outer: middle: inner` with each part once.

/// Any error a service's build step can fail with, kept whole for the cause chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A start-up failure. Each variant names the dependency or setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Configuration could not be loaded or is invalid.
    #[error(transparent)]
    Config(#[from] nexus_config::ConfigError),
    /// Telemetry could not be initialised.
    #[error(transparent)]
    Telemetry(#[from] nexus_telemetry::TelemetryError),
    /// PostgreSQL could not be reached or migrated.
    #[error("PostgreSQL is not usable")]
    Database(#[source] nexus_db::DbError),
    /// Redis could not be reached.
    #[error("Redis is not usable")]
    Redis(#[source] nexus_bus::BusError),
    /// A listener could not be bound (port taken, permission).
    #[error("could not listen on {address}")]
    Bind {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The service's own build step failed; `what` names the part (e.g. `signing keys`).
    #[error("the service could not be built: {what}")]
    Build {
        /// The part that could not be built.
        what: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The shipped Cedar policies do not compile (a broken build of nexus-policy).
    #[error("the shipped Cedar policies are invalid")]
    Policies(#[source] nexus_policy::PolicyError),
    /// The service asked for a dependency it did not declare in `Service::DEPENDENCIES`.
    #[error("the service uses {0} without declaring it as a dependency")]
    UndeclaredDependency(&'static str),
}

impl RuntimeError {
    /// A failed build step: `what` names the part, `source` is why (an error, or a message
    /// when there is no error value to keep).
    pub fn build(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        RuntimeError::Build {
            what: what.into(),
            source: source.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::Config(error) => error.code(),
            RuntimeError::Telemetry(error) => error.code(),
            RuntimeError::Database(_) => "database_unavailable",
            RuntimeError::Redis(_) => "redis_unavailable",
            RuntimeError::Bind { .. } => "bind_failed",
            RuntimeError::Build { .. } => "service_build_failed",
            RuntimeError::UndeclaredDependency(_) => "undeclared_dependency",
            RuntimeError::Policies(_) => "policies_invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_failure_keeps_its_source_and_says_each_part_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "keys/current.pem is missing");
        let error = RuntimeError::build("signing keys", io);

        assert_eq!(error.code(), "service_build_failed");
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("keys/current.pem is missing"));
        assert_eq!(
            nexus_http::error::cause_chain(&error),
            "the service could not be built: signing keys: keys/current.pem is missing"
        );
    }
}
