//! Layered, validated configuration for every Nexus process.
//!
//! Layers, later ones winning:
//! 1. defaults in code (`Default` impls, plus per-service ports from [`ServiceKind`]);
//! 2. an optional TOML file (path in `NEXUS_CONFIG_FILE`);
//! 3. environment variables `NEXUS_<SECTION>__<KEY>`, e.g. `NEXUS_DATABASE__URL`.
//!
//! Settings are loaded and validated once at start-up by the runtime and passed down as values;
//! nothing reads the environment after that, and tests build the structs directly. Unknown keys
//! are never ignored in silence: one inside a section the service reads is a start-up error (a
//! misspelt security setting must not leave its default in force), another service's section is
//! skipped (one environment file configures every service), and a top-level name that is no
//! section at all (`NEXUS_DATABSE__URL`) comes back as a warning ([`Loaded`]).
//!
//! Layout: [`loader`] merges the layers; [`sections`] holds the sections every service shares;
//! [`service`] names the nine services with their default ports; [`retry`] is the start-up
//! retry schedule of dependency connections.

pub mod loader;
pub mod retry;
pub mod sections;
pub mod service;

pub use loader::{ConfigError, ConfigSource, Loaded, Validate};
pub use sections::{DatabaseSettings, LogFormat, RedisSettings, ServerSettings, TelemetrySettings};
pub use service::ServiceKind;
