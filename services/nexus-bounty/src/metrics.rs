//! The bounty service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! - `nexus_bounty_chain_events_total{outcome}`: chain listener events handled by the read
//!   model: `applied` (a bounty moved or recorded a fact), `known` (a fact it had already),
//!   `duplicate` (an envelope seen before), `unknown_bounty` (not posted through the platform),
//!   `refused` (its history cannot take it yet; retried), `malformed` (dead-lettered),
//!   `retracted` (a reorganisation's retraction applied), `skipped` (not a bounty event).
//! - `nexus_bounty_scheduled_calls_total{kind}`: calls the scheduler queued (`resolve`,
//!   `refund_creator`).

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct BountyMetrics {
    chain_events: Family<OutcomeLabels, Counter>,
    scheduled_calls: Family<KindLabels, Counter>,
}

impl BountyMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let metrics = Self::default();
        registry.register_with(|registry| {
            registry.register(
                "nexus_bounty_chain_events",
                "Chain listener events handled by the read model, by outcome",
                metrics.chain_events.clone(),
            );
            registry.register(
                "nexus_bounty_scheduled_calls",
                "Calls the scheduler queued, by kind",
                metrics.scheduled_calls.clone(),
            );
        });
        metrics
    }

    /// Counts a chain event by how it ended (see the module docs for the outcomes).
    pub fn chain_event(&self, outcome: &'static str) {
        self.chain_events
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts a queued scheduled call.
    pub fn scheduled_call(&self, kind: &str) {
        self.scheduled_calls
            .get_or_create(&KindLabels {
                kind: kind.to_owned(),
            })
            .inc();
    }
}
