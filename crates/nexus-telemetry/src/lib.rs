//! Logs, traces and metrics for one Nexus process.
//!
//! - [`init_tracing`] installs the process-wide `tracing` subscriber once: JSON lines when standard
//!   error is not a terminal (containers, CI), readable text when it is; filtered by `RUST_LOG`
//!   (falling back to the configured filter, then `info`); and, when an OTLP endpoint is
//!   configured, an OpenTelemetry layer exporting spans over OTLP/HTTP.
//! - [`MetricsRegistry`] is the Prometheus registry of one service instance. Every metric the
//!   service exposes is registered in it at start-up and served on the admin port.
//!
//! Why a subscriber is global while everything else is passed in: `tracing` dispatches through
//! one process-wide default; a second service started in the same process (tests, the dev runner)
//! shares it, which is why [`init_tracing`] is idempotent.

mod metrics;
mod tracing_setup;

pub use metrics::MetricsRegistry;
pub use tracing_setup::{TelemetryError, TelemetryGuard, init_tracing};
