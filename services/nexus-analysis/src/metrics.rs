//! The service's Prometheus metrics (registered on the runtime's registry).
//!
//! - `nexus_analysis_analyses_total{status,verdict}`: analyses finished (counted once each).
//! - `nexus_analysis_engine_runs_total`: times the engine actually ran (cache hits and
//!   duplicates do not count), which is how "analysed once" is observable.
//! - `nexus_analysis_cache_hits_total`: jobs answered from the Redis report cache.
//! - `nexus_analysis_stage_duration_seconds{stage}`: engine stages (from the report) and the
//!   worker's own (`fetch`, `engine`, `commit`).
//! - `nexus_analysis_queue_depth`: analyses queued or running (the platform scales on it).
//! - `nexus_analysis_uploads_total{outcome}`: uploads (`new`, `duplicate`, `too_large`).
//! - `nexus_analysis_cpu_threads{state}`: the CPU pool's threads (`total`, `busy`,
//!   `overrunning`: still running work whose time budget ran out) and its `queued` work,
//!   refreshed with the queue depth.
//! - `nexus_analysis_retrohunt_threads{state}`: the same for the retrohunts' own pool
//!   ([`crate::retrohunt`]), which analyses never wait for.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a finished analysis.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    status: String,
    verdict: String,
}

/// Label of a stage.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: String,
}

/// Label of an upload outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UploadLabels {
    outcome: String,
}

/// Label of a CPU pool gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

/// Handles on every metric of the service (cheap to clone).
#[derive(Debug, Clone)]
pub struct AnalysisMetrics {
    analyses: Family<OutcomeLabels, Counter>,
    engine_runs: Counter,
    cache_hits: Counter,
    stage_seconds: Family<StageLabels, Histogram>,
    queue_depth: Gauge<i64, AtomicI64>,
    uploads: Family<UploadLabels, Counter>,
    cpu_pool: Family<PoolLabels, Gauge<i64, AtomicI64>>,
    hunt_pool: Family<PoolLabels, Gauge<i64, AtomicI64>>,
}

impl AnalysisMetrics {
    /// Creates the metrics and registers them on `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            analyses: Family::default(),
            engine_runs: Counter::default(),
            cache_hits: Counter::default(),
            stage_seconds: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.0005, 4.0, 10))
            }),
            queue_depth: Gauge::default(),
            uploads: Family::default(),
            cpu_pool: Family::default(),
            hunt_pool: Family::default(),
        };
        registry.register(
            "nexus_analysis_retrohunt_threads",
            "The retrohunts' CPU pool: threads (total, busy, overrunning) and queued work",
            metrics.hunt_pool.clone(),
        );
        registry.register(
            "nexus_analysis_cpu_threads",
            "The CPU pool: threads (total, busy, overrunning) and queued work",
            metrics.cpu_pool.clone(),
        );
        registry.register(
            "nexus_analysis_analyses",
            "Analyses finished, by status and verdict hint",
            metrics.analyses.clone(),
        );
        registry.register(
            "nexus_analysis_engine_runs",
            "Times the static analysis engine ran on a sample",
            metrics.engine_runs.clone(),
        );
        registry.register(
            "nexus_analysis_cache_hits",
            "Analysis jobs answered from the Redis report cache",
            metrics.cache_hits.clone(),
        );
        registry.register(
            "nexus_analysis_stage_duration_seconds",
            "Duration of analysis stages",
            metrics.stage_seconds.clone(),
        );
        registry.register(
            "nexus_analysis_queue_depth",
            "Analyses queued or running",
            metrics.queue_depth.clone(),
        );
        registry.register(
            "nexus_analysis_uploads",
            "Sample uploads, by outcome",
            metrics.uploads.clone(),
        );
        metrics
    }

    /// One analysis finished.
    pub fn finished(&self, status: &str, verdict: &str) {
        self.analyses
            .get_or_create(&OutcomeLabels {
                status: status.to_owned(),
                verdict: verdict.to_owned(),
            })
            .inc();
    }

    /// The engine ran once.
    pub fn engine_ran(&self) {
        self.engine_runs.inc();
    }

    /// A job was answered from the cache.
    pub fn cache_hit(&self) {
        self.cache_hits.inc();
    }

    /// A stage took `seconds`.
    pub fn stage(&self, stage: &str, seconds: f64) {
        self.stage_seconds
            .get_or_create(&StageLabels {
                stage: stage.to_owned(),
            })
            .observe(seconds);
    }

    /// Sets the queue depth.
    pub fn set_queue_depth(&self, depth: i64) {
        self.queue_depth.set(depth);
    }

    /// Records the CPU pool's state.
    pub fn set_cpu_pool(&self, stats: crate::blocking_pool::PoolStats) {
        set_pool(&self.cpu_pool, stats);
    }

    /// Records the retrohunt pool's state.
    pub fn set_hunt_pool(&self, stats: crate::blocking_pool::PoolStats) {
        set_pool(&self.hunt_pool, stats);
    }

    /// An upload ended with `outcome`.
    pub fn upload(&self, outcome: &str) {
        self.uploads
            .get_or_create(&UploadLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

/// Sets a pool's gauges from its stats.
fn set_pool(
    family: &Family<PoolLabels, Gauge<i64, AtomicI64>>,
    stats: crate::blocking_pool::PoolStats,
) {
    for (state, value) in [
        ("total", stats.threads),
        ("busy", stats.busy),
        ("overrunning", stats.overrunning),
        ("queued", stats.queued),
    ] {
        family
            .get_or_create(&PoolLabels {
                state: state.to_owned(),
            })
            .set(i64::try_from(value).unwrap_or(i64::MAX));
    }
}
