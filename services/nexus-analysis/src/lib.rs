//! nexus-analysis.
//!
//! Owns: the sample store (content-addressed by SHA-256), the static analysis pipeline and its
//! job queue, the report cache, YARA rulesets (platform and user, hot-reloaded) and retrohunts,
//! and similar-file search.
//!
//! Does not own: it does not pay or score anyone: it publishes `AnalysisCompleted` and others
//! react. The engine itself is `nexus-engine` (pure library); this crate feeds it and keeps
//! its results.
//!
//! Layout:
//! - [`routes`]: one handler per file (upload, analyses, files, similar, download, rulesets,
//!   retrohunts).
//! - [`worker`]: analysis jobs (`nexus:analysis:jobs:v1`, group `analysis-workers`,
//!   `workers` consumers per process); [`retrohunt`]: retrohunt chunks.
//! - [`rules`]: the active YARA rules, swapped atomically on reload.
//! - [`sample_store`]: the [`SampleStore`](sample_store::SampleStore) trait, the local
//!   directory store and streaming uploads.
//! - [`store`]: the [`Store`](store::Store) (pool and outbox) and its SQL, checked at compile
//!   time, one file per table group (samples, uploads, analyses, hunts, rulesets, jobs); every
//!   transaction and outbox write is a store method, so handlers and workers never open one.
//! - [`cache`]: Redis report cache; [`events`]: live progress; [`metrics`]; [`domain`]: pure
//!   rules; [`settings`]; [`error`].
//! - The job guarantees (docs/ARCHITECTURE.md, "Event path"): [`blocking_pool`], the bounded
//!   CPU pool the engine and YARA scans run on; [`memory_budget`] and [`job_settings`]
//!   (`[analysis.jobs]`, checked against the pod's memory limit); [`retrohunt_failures`] and
//!   the worker's dead-letter hook, which mark given-up jobs `failed`; [`reconcile`], which
//!   re-queues jobs lost with Redis data; [`store::jobs`], their SQL.
//!
//! Life of an upload: `POST /v1/files` streams the body to a staged file while hashing →
//! renamed into the store under its SHA-256 → one transaction records the sample, inserts a
//! queued analysis unless one exists for these bytes and rules (then the answer says
//! `duplicate`) and writes `AnalysisRequested` to the outbox → the relay appends it to the job
//! stream → a worker analyses and commits (see [`worker`]).

pub mod blocking_pool;
pub mod cache;
pub mod domain;
pub mod error;
pub mod events;
pub mod job_settings;
pub mod memory_budget;
pub mod metrics;
pub mod reconcile;
pub mod retrohunt;
pub mod retrohunt_failures;
pub mod routes;
pub mod rules;
pub mod sample_store;
pub mod settings;
pub mod store;

pub mod worker;

use std::sync::Arc;

use actix_web::web;
use futures_util::StreamExt;
use nexus_bus::{Bus, ConsumerParams};
use nexus_config::ServiceKind;
use nexus_engine::EngineConfig;
use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisRequested, RetrohuntRequested, RulesetPublished};
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, WorkerResult};
use tokio_util::sync::CancellationToken;

use crate::blocking_pool::BlockingPool;
use crate::cache::ReportCache;
use crate::memory_budget::MemoryBudget;
use crate::metrics::AnalysisMetrics;
use crate::retrohunt::RETROHUNT_GROUP;
use crate::retrohunt_failures::ReportedRetrohuntJobs;
use crate::rules::Rules;
use crate::sample_store::{LocalSampleStore, SampleStore};
use crate::settings::AnalysisSettings;
use crate::store::Store;
use crate::worker::{ANALYSIS_GROUP, AnalysisJobs};

/// The analysis service.
#[derive(Debug)]
pub struct AnalysisService {
    shared: Arc<Shared>,
}

/// State shared by the handlers and the workers.
#[derive(Debug)]
pub struct Shared {
    /// The service's SQL (see [`store`]).
    pub(crate) store: Store,
    pub(crate) bus: Bus,
    /// The samples' bytes.
    pub(crate) samples: Arc<dyn SampleStore>,
    pub(crate) rules: Rules,
    pub(crate) cache: ReportCache,
    pub(crate) metrics: AnalysisMetrics,
    pub(crate) settings: AnalysisSettings,
    /// The only threads that run the engine and YARA scans (bounded; see [`blocking_pool`]).
    pub(crate) cpu: BlockingPool,
    /// The memory analysis jobs may hold at once (see [`job_settings`]).
    pub(crate) memory: MemoryBudget,
    /// The process's live Cedar policies, for decisions outside a request (a retrohunt reads
    /// samples as its owner).
    pub(crate) policies: Arc<nexus_policy::LivePolicies>,
}

/// Staged uploads idle this long at start-up are left over from a crash.
const STAGED_UPLOAD_MAX_IDLE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl Service for AnalysisService {
    const KIND: ServiceKind = ServiceKind::Analysis;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = AnalysisSettings;

    async fn build(
        resources: &Resources,
        settings: &AnalysisSettings,
        setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let pool = resources.postgres()?.clone();
        let bus = resources.bus()?.clone();
        let database =
            Store::new(pool).ok_or_else(|| RuntimeError::build("schema", "invalid schema name"))?;
        let samples = LocalSampleStore::open_dir(&settings.store_dir).map_err(|error| {
            RuntimeError::build(
                format!("sample store at {}", settings.store_dir.display()),
                error,
            )
        })?;
        // YARA stops by itself when the job's budget ends, so work abandoned by the budget
        // gives its pool thread back soon after (see `blocking_pool`).
        let engine_budget = worker::engine_budget(bus.settings());
        let engine_defaults = EngineConfig::default();
        // Staged uploads of a crashed process are never finished: delete them.
        match samples.clean_staging(STAGED_UPLOAD_MAX_IDLE) {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(deleted, "Deleted staged uploads left behind by a crash.");
            }
            Err(error) => {
                tracing::warn!(error = %error, "Cleaning the upload staging directory failed.");
            }
        }
        if let Err(problem) = settings
            .jobs
            .check_against_limit(job_settings::container_memory_limit())
        {
            return Err(RuntimeError::Config(nexus_config::ConfigError::Invalid {
                problems: vec![problem],
            }));
        }
        if settings.jobs.reconcile_after <= bus.settings().handler_timeout {
            return Err(RuntimeError::Config(nexus_config::ConfigError::Invalid {
                problems: vec![format!(
                    "analysis.jobs.reconcile_after ({:?}) must exceed bus.handler_timeout ({:?}), \
                     or the reconciliation loop could queue again a job a worker is still running",
                    settings.jobs.reconcile_after,
                    bus.settings().handler_timeout
                )],
            }));
        }
        let engine_config = EngineConfig {
            max_file_size: settings.max_upload_bytes,
            yara_timeout: engine_defaults.yara_timeout.min(engine_budget),
            parse_time_budget: engine_defaults.parse_time_budget.min(engine_budget),
            ..engine_defaults
        };
        let cpu = BlockingPool::new(
            "analysis-cpu",
            settings.jobs.threads_for(settings.workers),
            settings.jobs.cpu_queue,
        )
        .map_err(|error| RuntimeError::build("CPU pool", error))?;
        let rules = Rules::load(
            settings.rules_dir.as_deref(),
            engine_config,
            database.pool(),
        )
        .await
        .map_err(|error| RuntimeError::build("YARA rules", error))?;
        let metrics = resources.metrics().register_with(AnalysisMetrics::register);
        let shared = Arc::new(Shared {
            store: database,
            bus: bus.clone(),
            samples: Arc::new(samples),
            rules,
            cache: ReportCache::new(bus, settings.report_cache_ttl),
            metrics,
            settings: settings.clone(),
            cpu,
            memory: MemoryBudget::new(settings.jobs.memory_budget_bytes),
            policies: Arc::clone(resources.policies()),
        });
        register_workers(&shared, setup);
        Ok(Self { shared })
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::ApiDoc as utoipa::OpenApi>::openapi()
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        let json_limit = self.shared.settings.max_rules_bytes.saturating_add(4096);
        routes::configure(config, json_limit);
    }
}

/// Analysis consumers (`workers` of them), one retrohunt consumer, the ruleset listener and
/// the queue-depth gauge.
fn register_workers(shared: &Arc<Shared>, setup: &mut Setup) {
    let instance = uuid::Uuid::now_v7().simple().to_string();
    for index in 0..shared.settings.workers {
        let shared = Arc::clone(shared);
        let consumer = format!("analysis-{instance}-{index}");
        setup.worker(
            &format!("analysis-worker-{index}"),
            move |token| async move {
                let params =
                    ConsumerParams::new(AnalysisRequested::STREAM, ANALYSIS_GROUP, consumer);
                let consumer = shared.bus.consumer(params).await?;
                consumer.run(AnalysisJobs::new(shared), token).await;
                Ok(())
            },
        );
    }
    if shared.settings.workers > 0 {
        let retro = Arc::clone(shared);
        let consumer = format!("retrohunt-{instance}");
        setup.worker("retrohunt-worker", move |token| async move {
            let params = ConsumerParams::new(RetrohuntRequested::STREAM, RETROHUNT_GROUP, consumer);
            let consumer = retro.bus.consumer(params).await?;
            consumer.run(ReportedRetrohuntJobs::new(retro), token).await;
            Ok(())
        });
    }
    let listener = Arc::clone(shared);
    setup.worker("ruleset-listener", move |token| {
        listen_for_rulesets(listener, token)
    });
    let reconciler = Arc::clone(shared);
    setup.worker("reconcile-jobs", move |token| {
        reconcile::run(reconciler, token)
    });
    let gauge = Arc::clone(shared);
    setup.worker("queue-depth", move |token| {
        refresh_queue_depth(gauge, token)
    });
}

/// Reloads the rules when another instance announces a ruleset (live pub/sub; a missed
/// message is caught up by the per-job version check).
async fn listen_for_rulesets(shared: Arc<Shared>, token: CancellationToken) -> WorkerResult {
    let mut subscription = shared.bus.subscribe(&[RulesetPublished::STREAM]).await?;
    loop {
        tokio::select! {
            () = token.cancelled() => return Ok(()),
            message = subscription.next() => {
                if message.is_none() {
                    return Err("the ruleset subscription closed".into());
                }
                if let Err(error) = shared.rules.reload_if_behind(shared.store.pool()).await {
                    tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Reloading YARA rules failed; the next job retries.");
                }
            }
        }
    }
}

/// Keeps `nexus_analysis_queue_depth` and `nexus_analysis_cpu_threads` current.
async fn refresh_queue_depth(shared: Arc<Shared>, token: CancellationToken) -> WorkerResult {
    loop {
        shared.metrics.set_cpu_pool(shared.cpu.stats());
        match shared.store.queue_depth().await {
            Ok(depth) => shared.metrics.set_queue_depth(depth),
            Err(error) => {
                tracing::debug!(error = %error, "Reading the queue depth failed.");
            }
        }
        tokio::select! {
            () = token.cancelled() => return Ok(()),
            () = tokio::time::sleep(shared.settings.queue_depth_interval) => {}
        }
    }
}
