//! The reputation service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! - `nexus_reputation_chain_events_total{outcome}`: chain listener events handled: `applied`
//!   (stored, scores re-projected), `retracted` (a reorganisation's retraction applied),
//!   `duplicate` (an envelope seen before), `skipped` (not an event reputation uses),
//!   `malformed` (dead-lettered), `failed` (retried).
//! - `nexus_reputation_leaderboard_rebuilds_total`: boards rebuilt from PostgreSQL.

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ReputationMetrics {
    chain_events: Family<OutcomeLabels, Counter>,
    rebuilds: Counter,
}

impl ReputationMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let metrics = Self::default();
        registry.register_with(|registry| {
            registry.register(
                "nexus_reputation_chain_events",
                "Chain listener events handled by reputation, by outcome",
                metrics.chain_events.clone(),
            );
            registry.register(
                "nexus_reputation_leaderboard_rebuilds",
                "Leaderboards rebuilt from PostgreSQL",
                metrics.rebuilds.clone(),
            );
        });
        metrics
    }

    /// Counts a chain event by how it ended (see the module docs).
    pub fn chain_event(&self, outcome: &'static str) {
        self.chain_events
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts a board rebuilt.
    pub fn rebuilt(&self) {
        self.rebuilds.inc();
    }
}
