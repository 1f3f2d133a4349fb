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
//! - [`workers`]: every background loop, registered in one place with the service
//!   (`Arc<AnalysisService>`), through [`Service::workers`].
//! - [`worker`]: analysis jobs (`nexus:analysis:jobs:v1`, group `analysis-workers`,
//!   `workers` consumers per process); [`retrohunt`]: retrohunt chunks.
//! - [`rules`]: the active YARA rules, swapped atomically on reload.
//! - [`sample_store`]: the [`SampleStore`](sample_store::SampleStore) trait, its local
//!   directory and S3 backends (`analysis.samples.backend`) and streaming uploads.
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
//! renamed into the store under its SHA-256 → one transaction
//! ([`Store::record_upload`](store::Store::record_upload)) records the sample, inserts a
//! queued analysis unless one exists for these bytes and rules (then the answer says
//! `duplicate`) and writes `AnalysisRequested` to the outbox → the relay appends it to the job
//! stream → a worker analyses and commits (see [`worker`]).
//!
//! Architecture invariant: samples are never executed, only read (mapped read-only, see
//! [`sample_store`]), and nothing about a sample is shown to a caller the visibility rules
//! ([`domain::visibility`], docs/AUTHORIZATION.md) do not let read it; an analysis finishes
//! exactly once, whatever the deliveries.

pub mod blocking_pool;
pub mod cache;
pub mod domain;
pub mod error;
pub mod events;
pub mod job_settings;
pub mod memory_budget;
pub mod metrics;
pub mod reconcile;
pub mod report;
pub mod retrohunt;
pub mod retrohunt_failures;
pub mod routes;
pub mod rules;
pub mod sample_store;
pub mod settings;
pub mod store;
pub mod worker;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_bus::Bus;
use nexus_config::ServiceKind;
use nexus_engine::EngineConfig;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::blocking_pool::BlockingPool;
use crate::cache::ReportCache;
use crate::memory_budget::MemoryBudget;
use crate::metrics::AnalysisMetrics;
use crate::rules::Rules;
use crate::sample_store::SampleStore;
use crate::settings::AnalysisSettings;
use crate::store::Store;

/// The analysis service: the state its handlers (`web::Data<AnalysisService>`) and its
/// workers (`Arc<AnalysisService>`, see [`workers`]) share.
#[derive(Debug)]
pub struct AnalysisService {
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
    /// Retrohunts' own CPU pool and owner check, apart from analyses (see [`retrohunt`]).
    pub(crate) hunts: retrohunt::HuntCapacity,
    /// The process's live Cedar policies, for decisions outside a request (a retrohunt reads
    /// samples as its owner).
    pub(crate) policies: Arc<nexus_policy::LivePolicies>,
}

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
        let sample_store::ConfiguredStore {
            store: samples,
            readiness: samples_ready,
        } = sample_store::open_configured(settings).map_err(|error| {
            RuntimeError::build(
                format!("sample store ({:?})", settings.samples.backend),
                error,
            )
        })?;
        if let Some(check) = samples_ready {
            setup.readiness(check);
        }
        // YARA stops by itself when the job's budget ends, so work abandoned by the budget
        // gives its pool thread back soon after (see `blocking_pool`).
        let engine_budget = worker::engine_budget(bus.settings());
        let engine_defaults = EngineConfig::default();
        // Staged files of a crashed process (this one before a restart, or a peer sharing the
        // directory) are never finished: delete every one nobody holds, however recent (see
        // `sample_store::staging`; the `staging-sweep` worker repeats this).
        match sample_store::clean_staging(samples.staging_dir(), sample_store::STAGED_MAX_IDLE) {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(deleted, "Deleted staged files left behind by a crash.");
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
        Ok(Self {
            store: database,
            bus: bus.clone(),
            samples,
            rules,
            cache: ReportCache::new(bus, settings.report_cache_ttl),
            metrics,
            settings: settings.clone(),
            cpu,
            memory: MemoryBudget::new(settings.jobs.memory_budget_bytes),
            hunts: retrohunt::HuntCapacity::new(settings, resources.client_settings())
                .map_err(|error| RuntimeError::build("retrohunts", error))?,
            policies: Arc::clone(resources.policies()),
        })
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::ApiDoc as utoipa::OpenApi>::openapi()
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers::register(self, workers);
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        let json_limit = self.settings.max_rules_bytes.saturating_add(4096);
        routes::configure(config, json_limit);
    }
}
