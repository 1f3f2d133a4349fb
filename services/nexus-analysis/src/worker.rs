//! The analysis workers: consumers of `nexus:analysis:jobs:v1` in the group `analysis-workers`.
//!
//! Per job: load the analysis (finished ones are acknowledged and skipped, which makes
//! redelivery harmless) → `running` → the Redis report cache for (SHA-256, rules version), else
//! read the sample and run the engine on a blocking thread → one transaction that finishes the
//! analysis *only if it is still unfinished*, indexes the sample for similarity search and
//! writes `AnalysisCompleted` to the outbox → cache the report → return `Ok`, after which the
//! bus acknowledges the entry. A worker that dies before the commit leaves the entry pending;
//! another consumer reclaims it after `bus.claim_idle` and does the work again; the conditional
//! update makes sure only one of them announces the result. When the bus gives up on a job
//! (`bus.max_deliveries` reached, whichever way the deliveries ended), its dead-letter hook
//! ([`AnalysisJobs::dead_lettered`]) marks the analysis `failed` with the reason.
//!
//! The engine runs on the bounded CPU pool ([`crate::blocking_pool`]) under
//! [`engine_budget`]; a sample that exhausts it fails at once with the reason (no retry: it
//! would time out again), and its memory stays reserved until the engine really returns.

use std::sync::Arc;
use std::time::Instant;

use nexus_bus::{DeadLetterNotice, Delivery, Handler, HandlerError};
use nexus_proto::Envelope;
use nexus_proto::analysis::{AnalysisCompleted, AnalysisRequested, AnalysisStatus};
use nexus_proto::report::{AnalysisReport, VerdictHint};
use uuid::Uuid;

use crate::AnalysisService;
use crate::blocking_pool::PoolError;
use crate::error::AnalysisError;
use crate::events::publish_progress;
use crate::sample_store::{SampleProblem, open_sample};
use crate::store::jobs::ENGINE_STAGE;
use crate::store::{Job, Outcome, verdict_label};

/// Share of `bus.handler_timeout` the engine may use; the rest covers reading the sample and
/// committing the result.
const ENGINE_SHARE_OF_HANDLER_TIMEOUT: f64 = 0.8;

/// How long the engine may run on one sample: a share of `bus.handler_timeout`.
pub fn engine_budget(bus: &nexus_bus::BusSettings) -> std::time::Duration {
    bus.handler_timeout.mul_f64(ENGINE_SHARE_OF_HANDLER_TIMEOUT)
}

/// Consumer group of the analysis workers.
pub const ANALYSIS_GROUP: &str = "analysis-workers";

/// Handles `AnalysisRequested` jobs.
#[derive(Debug, Clone)]
pub struct AnalysisJobs {
    service: Arc<AnalysisService>,
}

impl AnalysisJobs {
    /// A handler over the service.
    pub fn new(service: Arc<AnalysisService>) -> Self {
        Self { service }
    }
}

impl Handler for AnalysisJobs {
    type Event = AnalysisRequested;

    async fn handle(
        &self,
        envelope: Envelope<AnalysisRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let id = envelope.payload.analysis_id;
        run_job(&self.service, id, envelope.traceparent.clone())
            .await
            .map_err(|error| {
                tracing::warn!(
                    error = %nexus_http::error::cause_chain(&error),
                    analysis_id = %id,
                    attempt = delivery.attempt,
                    "An analysis job failed and will be retried."
                );
                HandlerError::retryable(error)
            })
    }

    /// The bus gives up on this job (its last delivery failed, timed out, or its workers kept
    /// crashing on it): the analysis ends `failed` with the reason instead of staying
    /// `running` for ever. Idempotent: a finished analysis is left as it is.
    async fn dead_lettered(
        &self,
        envelope: Envelope<AnalysisRequested>,
        notice: &DeadLetterNotice,
    ) -> Result<(), HandlerError> {
        let id = envelope.payload.analysis_id;
        let reason = format!(
            "the analysis was given up after {} deliveries ({}): {}",
            notice.delivery.attempt,
            notice.reason.code(),
            notice.detail
        );
        tracing::error!(analysis_id = %id, reason = %reason, "An analysis job was dead-lettered; marking the analysis failed.");
        let job = self
            .service
            .store
            .job(id)
            .await
            .map_err(HandlerError::retryable)?;
        match job {
            Some(job) if !job.status.is_terminal() => {
                commit(&self.service, id, &job, Err(reason), envelope.traceparent)
                    .await
                    .map_err(HandlerError::retryable)
            }
            _ => Ok(()),
        }
    }
}

async fn run_job(
    service: &AnalysisService,
    id: Uuid,
    traceparent: Option<String>,
) -> Result<(), AnalysisError> {
    let Some(job) = service.store.job(id).await? else {
        tracing::warn!(analysis_id = %id, "A job names an analysis that does not exist; skipping it.");
        return Ok(());
    };
    if job.status.is_terminal() {
        return Ok(());
    }
    stage(service, id, &job, "fetch").await?;
    let fetch_started = Instant::now();
    if let Some(report) = service.cache.get(&job.sha256, &job.ruleset_version).await? {
        service.metrics.cache_hit();
        return commit(service, id, &job, Ok(report), traceparent).await;
    }
    let budget = engine_budget(service.bus.settings());
    let sample = match open_sample(
        service.samples.as_ref(),
        &job.sha256,
        service.settings.max_upload_bytes,
    )
    .await
    {
        Ok(sample) => sample,
        Err(SampleProblem::Fatal(reason)) => {
            return commit(service, id, &job, Err(reason), traceparent).await;
        }
        Err(SampleProblem::Io(error)) => return Err(AnalysisError::Store(error)),
    };
    service
        .metrics
        .stage("fetch", fetch_started.elapsed().as_secs_f64());
    stage(service, id, &job, ENGINE_STAGE).await?;
    let rules = service.rules.reload_if_behind(service.store.pool()).await?;
    let engine_started = Instant::now();
    // Stay inside the bus's handler timeout: past it the bus would abandon this call and retry
    // the job. The pool runs the engine on one of its bounded threads and holds the memory
    // reservation until the engine has really returned (see `blocking_pool`).
    let reservation = service.memory.reserve(sample.size).await;
    let analysis = service
        .cpu
        .run(budget, move |cancel| {
            let _reservation = reservation;
            let bytes = sample.load()?;
            if cancel.is_cancelled() {
                return Ok(None);
            }
            Ok::<_, std::io::Error>(Some(rules.engine.analyze_shared(Arc::new(bytes))))
        })
        .await;
    let report = match analysis {
        Ok(Ok(Some(report))) => report,
        Ok(Ok(None)) | Err(PoolError::TimedOut { .. }) => {
            let reason = format!(
                "the analysis took longer than its {} ms budget (bus.handler_timeout)",
                budget.as_millis()
            );
            return commit(service, id, &job, Err(reason), traceparent).await;
        }
        Err(PoolError::Panicked(message)) => {
            let reason = format!("the engine crashed on this sample: {message}");
            return commit(service, id, &job, Err(reason), traceparent).await;
        }
        Ok(Err(error)) => return Err(AnalysisError::Store(error)),
        Err(error @ (PoolError::Busy { .. } | PoolError::Closed)) => {
            return Err(AnalysisError::Task(error.to_string()));
        }
    };
    service.metrics.engine_ran();
    service
        .metrics
        .stage("engine", engine_started.elapsed().as_secs_f64());
    for engine_stage in &report.stages {
        service
            .metrics
            .stage(&engine_stage.name, engine_stage.ms / 1_000.0);
    }
    commit(service, id, &job, Ok(report), traceparent).await
}

async fn stage(
    service: &AnalysisService,
    id: Uuid,
    job: &Job,
    name: &str,
) -> Result<(), AnalysisError> {
    service.store.mark_running(id, name).await?;
    publish_progress(&service.bus, id, &job.sha256, AnalysisStatus::Running, name).await;
    Ok(())
}

/// Finishes the analysis with a report or a failure reason, exactly once.
async fn commit(
    service: &AnalysisService,
    id: Uuid,
    job: &Job,
    result: Result<AnalysisReport, String>,
    traceparent: Option<String>,
) -> Result<(), AnalysisError> {
    let started = Instant::now();
    publish_progress(
        &service.bus,
        id,
        &job.sha256,
        AnalysisStatus::Running,
        "commit",
    )
    .await;
    let (status, report, error) = match &result {
        Ok(report) => (crate::domain::status_of(report), Some(report), None),
        Err(reason) => (AnalysisStatus::Failed, None, Some(reason.as_str())),
    };
    let completed = AnalysisCompleted {
        analysis_id: id,
        sha256: job.sha256.clone(),
        status,
        verdict: report.map_or(VerdictHint::Unknown, |report| report.verdict),
        score: report.map_or(0, |report| report.score),
        ruleset_version: job.ruleset_version.clone(),
        submitted_by: job.submitted_by.clone(),
        yara_rules: report.map(crate::domain::matched_rules).unwrap_or_default(),
    };
    let outcome = Outcome {
        status,
        report,
        error,
    };
    let finished = service
        .store
        .finish(id, &job.sha256, &outcome, completed, traceparent.as_deref())
        .await?;
    if let Some(report) = report
        && let Err(error) = service
            .cache
            .put(&job.sha256, &job.ruleset_version, report)
            .await
    {
        tracing::warn!(error = %error, "Caching a report failed; the database keeps it.");
    }
    if finished {
        let verdict = report.map_or(VerdictHint::Unknown, |report| report.verdict);
        service
            .metrics
            .finished(status.as_str(), verdict_label(verdict));
        tracing::info!(analysis_id = %id, status = status.as_str(), "Analysis finished.");
    }
    service
        .metrics
        .stage("commit", started.elapsed().as_secs_f64());
    publish_progress(&service.bus, id, &job.sha256, status, "done").await;
    Ok(())
}
