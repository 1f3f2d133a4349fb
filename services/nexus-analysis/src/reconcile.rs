//! The reconciliation loop: finds analyses and retrohunts whose job was lost and queues it
//! again, so no job waits for ever.
//!
//! How a job gets lost: the outbox relay published `AnalysisRequested` and marked the row,
//! then Redis restarted without persistence (or an operator deleted the stream): the analysis
//! stays `queued`, or `running` with no pending entry, and nothing will ever deliver it.
//!
//! Every `analysis.jobs.reconcile_interval`, per unfinished analysis (and retrohunt) without
//! progress for `analysis.jobs.reconcile_after`: the loop reads, in this order, the outbox rows
//! not relayed yet and then [`Bus::outstanding`](nexus_bus::Bus::outstanding) (entries pending
//! or undelivered in the worker group); a job found in neither is lost, and one transaction
//! puts the analysis back to `queued` (only if it is still unfinished) and writes a new job to
//! the outbox. The order matters: a row relayed between the two reads is in the stream by the
//! second read. Idempotent: a re-queued job is in the outbox or the stream at the next pass, and
//! the worker skips finished analyses. `reconcile_after` must exceed the longest time a worker
//! holds a job (`bus.handler_timeout`, checked at start), so a job a worker is busy with, whose
//! progress mark is recent, is never queued twice.

use std::collections::HashSet;
use std::sync::Arc;

use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisRequested, RetrohuntRequested};
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::retrohunt::RETROHUNT_GROUP;
use crate::worker::ANALYSIS_GROUP;

/// Most analyses (and retrohunts) looked at per pass.
const PASS_LIMIT: i64 = 1_000;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Analyses queued again.
    pub analyses: usize,
    /// Retrohunts queued again.
    pub retrohunts: usize,
}

/// Runs passes until `shutdown`; a failed pass is logged and retried at the next interval.
pub async fn run(service: Arc<AnalysisService>, shutdown: CancellationToken) -> WorkerResult {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(service.settings.jobs.reconcile_interval) => {}
        }
        match reconcile_once(&service).await {
            Ok(report) if report != ReconcileReport::default() => {
                tracing::warn!(
                    analyses = report.analyses,
                    retrohunts = report.retrohunts,
                    "Queued jobs again whose events were lost."
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %nexus_http::error::cause_chain(&error), "A reconciliation pass failed; the next one retries.");
            }
        }
    }
}

/// One pass (see the module docs).
pub async fn reconcile_once(service: &AnalysisService) -> Result<ReconcileReport, AnalysisError> {
    let after = service.settings.jobs.reconcile_after;
    let mut report = ReconcileReport::default();
    let idle = service.store.idle_analyses(after, PASS_LIMIT).await?;
    if !idle.is_empty() {
        let unpublished = service.store.unpublished_analysis_jobs().await?;
        let outstanding: HashSet<Uuid> = service
            .bus
            .outstanding(AnalysisRequested::STREAM, ANALYSIS_GROUP)
            .await?
            .into_iter()
            .filter_map(|envelope| envelope.decode::<AnalysisRequested>().ok())
            .map(|envelope| envelope.payload.analysis_id)
            .collect();
        for id in idle {
            if unpublished.contains(&id) || outstanding.contains(&id) {
                continue;
            }
            if service.store.requeue_analysis(id, after).await? {
                report.analyses += 1;
                tracing::warn!(analysis_id = %id, "An analysis's job was lost; queued it again.");
            }
        }
    }
    let idle = service.store.idle_retrohunts(after, PASS_LIMIT).await?;
    if !idle.is_empty() {
        let unpublished = service.store.unpublished_retrohunt_jobs().await?;
        let outstanding: HashSet<Uuid> = service
            .bus
            .outstanding(RetrohuntRequested::STREAM, RETROHUNT_GROUP)
            .await?
            .into_iter()
            .filter_map(|envelope| envelope.decode::<RetrohuntRequested>().ok())
            .map(|envelope| envelope.payload.retrohunt_id)
            .collect();
        for id in idle {
            if unpublished.contains(&id) || outstanding.contains(&id) {
                continue;
            }
            if service.store.requeue_retrohunt(id, after).await? {
                report.retrohunts += 1;
                tracing::warn!(retrohunt_id = %id, "A retrohunt's next chunk was lost; queued it again.");
            }
        }
    }
    Ok(report)
}
