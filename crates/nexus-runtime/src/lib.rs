//! The life cycle of every Nexus process: one [`main`] for production, one [`start`] for
//! production and tests alike.
//!
//! ```text
//! main::<S>()  load config (defaults → TOML → NEXUS_ env) → init telemetry → start::<S>() →
//!              wait for SIGTERM/SIGINT → Running::shutdown() → log the report → exit code
//! start::<S>() connect Postgres (lazy, migrations with retries) and Redis → S::build() →
//!              S::workers(Arc<S>) → bind HTTP and admin listeners (port 0 allowed) → spawn
//!              workers (and the outbox relay when S owns a schema) → Running
//! ```
//!
//! Layout: [`service`] is the trait a service implements; [`settings`] the settings every
//! service shares; [`start`](mod@start) binds and serves; [`workers`] supervises background
//! tasks ([`Workers`] is what [`Service::workers`] registers them on); [`dependency_error`] is
//! the one HTTP classification of failed database and Redis calls; [`error`] why a start failed; [`outbox_relay`] moves committed outbox rows to Redis; [`readiness`] holds the
//! dependency probes behind `/ready`; [`tokens`] feeds every service's access-token validator;
//! [`policy_sync`] keeps every process's Cedar policies in step with the auth service;
//! [`authz`] turns an access token into local Cedar decisions; [`revocation`] holds the
//! revoked accounts and API keys every gateway checks tokens against; [`caller`] is the handlers'
//! extractor of who asks ([`Caller::authorize`]); [`entry`] is the production `main`.
//!
//! Architecture invariant: this crate is the composition root. It is the only shared crate that
//! depends on several adapters (db, bus, http, client); services depend on it, never the other
//! way round.

pub mod authz;
pub mod caller;
pub mod dependency_error;
pub mod entry;
pub mod error;
pub mod outbox_relay;
pub mod policy_sync;
pub mod propagation;
pub mod readiness;
pub mod revocation;
pub mod service;
pub mod settings;
pub mod start;
pub mod tokens;
pub mod workers;

pub use caller::{Caller, Denied};
pub use dependency_error::{Classification, DependencyError};
pub use entry::main;
pub use error::{BoxError, RuntimeError};
pub use policy_sync::PolicySettings;
pub use propagation::call_context;
pub use service::{Dependency, Resources, Service, Setup};
pub use settings::{NoSettings, OutboxSettings, RuntimeSettings, Settings};
pub use start::{Running, ShutdownReport, install_crypto_provider, start};
pub use tokens::TokenSettings;
pub use workers::{WorkerOutcome, WorkerReport, WorkerResult, Workers};
