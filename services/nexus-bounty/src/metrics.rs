//! The bounty service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! None yet. Planned:
//! - `nexus_bounty_transactions_total{outcome}`: relayed transactions by how they ended
//! - `nexus_bounty_transaction_queue_depth`: intents waiting to be sent

use nexus_telemetry::MetricsRegistry;

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct BountyMetrics {}

impl BountyMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let _ = registry;
        Self {}
    }
}
