//! Why a process could not start.

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
    #[error("PostgreSQL is not usable: {0}")]
    Database(#[source] nexus_db::DbError),
    /// Redis could not be reached.
    #[error("Redis is not usable: {0}")]
    Redis(#[source] nexus_bus::BusError),
    /// A listener could not be bound (port taken, permission).
    #[error("could not listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The service's own build step failed.
    #[error("the service could not be built: {0}")]
    Build(String),
    /// The shipped Cedar policies do not compile (a broken build of nexus-policy).
    #[error("the shipped Cedar policies are invalid: {0}")]
    Policies(#[source] nexus_policy::PolicyError),
    /// The service asked for a dependency it did not declare in `Service::DEPENDENCIES`.
    #[error("the service uses {0} without declaring it as a dependency")]
    UndeclaredDependency(&'static str),
}

impl RuntimeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::Config(error) => error.code(),
            RuntimeError::Telemetry(error) => error.code(),
            RuntimeError::Database(_) => "database_unavailable",
            RuntimeError::Redis(_) => "redis_unavailable",
            RuntimeError::Bind { .. } => "bind_failed",
            RuntimeError::Build(_) => "service_build_failed",
            RuntimeError::UndeclaredDependency(_) => "undeclared_dependency",
            RuntimeError::Policies(_) => "policies_invalid",
        }
    }
}
