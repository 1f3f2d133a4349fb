//! The chain listener's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! None yet. Planned:
//! - `nexus_chain_head_lag_blocks` and `nexus_chain_head_lag_seconds`
//! - `nexus_chain_logs_total`, `nexus_chain_reorgs_total{depth}`, `nexus_chain_rpc_errors_total`

use nexus_telemetry::MetricsRegistry;

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ChainListenerMetrics {}

impl ChainListenerMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let _ = registry;
        Self {}
    }
}
