//! The reputation service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! None yet. Planned:
//! - `nexus_reputation_events_applied_total{event}`
//! - `nexus_reputation_leaderboard_rebuild_seconds`

use nexus_telemetry::MetricsRegistry;

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ReputationMetrics {}

impl ReputationMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let _ = registry;
        Self {}
    }
}
