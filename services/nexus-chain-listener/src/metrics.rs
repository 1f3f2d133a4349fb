//! The chain listener's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! - `nexus_chain_head_lag_blocks`, `nexus_chain_head_lag_seconds`: how far the last block read
//!   trails the node's head (the confirmation depth included).
//! - `nexus_chain_logs_total`, `nexus_chain_events_total`: logs stored and events published (a
//!   rate of the first is logs per second).
//! - `nexus_chain_blocks_total`: blocks read (ranges stored); a rate is the backfill's speed.
//! - `nexus_chain_reorgs_total{depth}`: reorganisations that reached stored blocks.
//! - `nexus_chain_rpc_errors_total`: failed follower steps (node unreachable, timeouts, refusals).
//! - `nexus_chain_halted`: 1 while ingestion is stopped by a reorganisation beyond the maximum.
//! - `nexus_chain_follower_lease`: 1 on the replica that holds the follower lease (follows the
//!   chain), 0 on standbys; the fleet's sum is 1 when all is well.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Label of a reorganisation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DepthLabels {
    depth: String,
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ChainListenerMetrics {
    lag_blocks: Gauge<i64, AtomicI64>,
    lag_seconds: Gauge<i64, AtomicI64>,
    logs: Counter,
    events: Counter,
    blocks: Counter,
    reorgs: Family<DepthLabels, Counter>,
    rpc_errors: Counter,
    halted: Gauge<i64, AtomicI64>,
    lease: Gauge<i64, AtomicI64>,
}

impl ChainListenerMetrics {
    /// Creates the metric families and registers them on `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "nexus_chain_head_lag_blocks",
            "Blocks between the node's head and the last block read",
            metrics.lag_blocks.clone(),
        );
        registry.register(
            "nexus_chain_head_lag_seconds",
            "Seconds between the head block's time and the last block read's",
            metrics.lag_seconds.clone(),
        );
        registry.register(
            "nexus_chain_logs",
            "Contract logs stored",
            metrics.logs.clone(),
        );
        registry.register(
            "nexus_chain_events",
            "Chain events published",
            metrics.events.clone(),
        );
        registry.register(
            "nexus_chain_blocks",
            "Blocks read (ranges stored)",
            metrics.blocks.clone(),
        );
        registry.register(
            "nexus_chain_reorgs",
            "Reorganisations that reached stored blocks, by depth",
            metrics.reorgs.clone(),
        );
        registry.register(
            "nexus_chain_rpc_errors",
            "Failed follower steps",
            metrics.rpc_errors.clone(),
        );
        registry.register(
            "nexus_chain_halted",
            "1 while ingestion is stopped by a reorganisation beyond the maximum depth",
            metrics.halted.clone(),
        );
        registry.register(
            "nexus_chain_follower_lease",
            "1 while this replica holds the follower lease (follows the chain), 0 on a standby",
            metrics.lease.clone(),
        );
        metrics
    }

    /// The lag after a step.
    pub fn lag(&self, blocks: u64, seconds: i64) {
        self.lag_blocks
            .set(i64::try_from(blocks).unwrap_or(i64::MAX));
        self.lag_seconds.set(seconds);
    }

    /// Logs stored and events published by a step.
    pub fn logs(&self, logs: u64, events: u64) {
        self.logs.inc_by(logs);
        self.events.inc_by(events);
    }

    /// A range of `blocks` blocks was stored.
    pub fn blocks(&self, blocks: u64) {
        self.blocks.inc_by(blocks);
    }

    /// A reorganisation of `depth` blocks was followed.
    pub fn reorg(&self, depth: u64) {
        self.reorgs
            .get_or_create(&DepthLabels {
                depth: depth.to_string(),
            })
            .inc();
    }

    /// A step failed.
    pub fn rpc_error(&self) {
        self.rpc_errors.inc();
    }

    /// Ingestion stopped (or resumed).
    pub fn halted(&self, halted: bool) {
        self.halted.set(i64::from(halted));
    }

    /// Whether this replica holds the follower lease.
    pub fn lease(&self, held: bool) {
        self.lease.set(i64::from(held));
    }
}
