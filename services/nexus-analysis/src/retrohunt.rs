//! Retrohunts: user YARA rules run over every stored sample, in the background.
//!
//! A retrohunt is processed in chunks of `retrohunt_batch` samples in SHA-256 order. Each
//! `RetrohuntRequested` job scans one chunk after the stored cursor, then commits its matches,
//! the progress counter and the new cursor in one transaction (only if the cursor has not moved
//! meanwhile, so a redelivered chunk changes nothing), and queues the next chunk. Chunks keep
//! each job well under the bus's handler timeout however many samples are stored, and a
//! crashed worker costs at most one chunk, which the reclaiming consumer redoes.

use std::sync::Arc;
use std::time::Duration;

use nexus_bus::{Delivery, Handler, HandlerError};
use nexus_engine::{EngineError, RuleSet};
use nexus_proto::Envelope;
use nexus_proto::analysis::{RetrohuntMatch, RetrohuntRequested, RetrohuntStatus};
use nexus_proto::report::YaraMatch;
use uuid::Uuid;

use crate::Shared;
use crate::error::AnalysisError;
use crate::sample_store::read_sample;
use crate::store::{self, RetrohuntChunk};

/// Consumer group of the retrohunt workers.
pub const RETROHUNT_GROUP: &str = "analysis-retrohunts";

/// Per-sample YARA timeout in a retrohunt.
const SCAN_TIMEOUT: Duration = Duration::from_secs(10);

/// Handles `RetrohuntRequested` jobs.
#[derive(Debug, Clone)]
pub struct RetrohuntJobs {
    shared: Arc<Shared>,
}

impl RetrohuntJobs {
    /// A handler over the service's shared state.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl Handler for RetrohuntJobs {
    type Event = RetrohuntRequested;

    async fn handle(
        &self,
        envelope: Envelope<RetrohuntRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let id = envelope.payload.retrohunt_id;
        run_chunk(&self.shared, id).await.map_err(|error| {
            tracing::warn!(error = %nexus_http::error::cause_chain(&error), retrohunt_id = %id, "A retrohunt chunk failed and will be retried.");
            HandlerError::retryable(error)
        })
    }
}

/// Scans one stored sample: in place (mapped by yara-x) when the store keeps it on local disk,
/// else after reading it.
async fn scan_sample(
    shared: &Shared,
    rules: &Arc<RuleSet>,
    sha256: &str,
) -> std::io::Result<Result<Vec<YaraMatch>, EngineError>> {
    let rules = Arc::clone(rules);
    let scan = match shared.store.local_path(sha256) {
        Some(path) => {
            if !tokio::fs::try_exists(&path).await? {
                return Err(std::io::ErrorKind::NotFound.into());
            }
            tokio::task::spawn_blocking(move || rules.scan_file(&path, SCAN_TIMEOUT, 1))
        }
        None => {
            let bytes = read_sample(
                shared.store.as_ref(),
                sha256,
                shared.settings.max_upload_bytes,
            )
            .await?;
            tokio::task::spawn_blocking(move || rules.scan(&bytes, SCAN_TIMEOUT, 1))
        }
    };
    scan.await.map_err(std::io::Error::other)
}

async fn run_chunk(shared: &Shared, id: Uuid) -> Result<(), AnalysisError> {
    let Some(job) = store::retrohunt_job(&shared.pool, id).await? else {
        return Ok(());
    };
    if matches!(
        job.status,
        RetrohuntStatus::Completed | RetrohuntStatus::Failed
    ) {
        return Ok(());
    }
    let source = job.source.clone();
    let compiled =
        tokio::task::spawn_blocking(move || RuleSet::compile([("retrohunt", source.as_str())]))
            .await
            .map_err(|error| AnalysisError::Task(error.to_string()))?;
    let rules = match compiled {
        Ok(rules) => Arc::new(rules),
        Err(error) => {
            store::fail_retrohunt(&shared.pool, id, &error.to_string()).await?;
            return Ok(());
        }
    };
    let batch =
        store::samples_after(&shared.pool, &job.cursor, shared.settings.retrohunt_batch).await?;
    let mut matches = Vec::new();
    for sha256 in &batch {
        let found = match scan_sample(shared, &rules, sha256).await {
            Ok(found) => found,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(AnalysisError::Store(error)),
        };
        match found {
            Ok(hits) if !hits.is_empty() => matches.push(RetrohuntMatch {
                sha256: sha256.clone(),
                rules: hits
                    .iter()
                    .map(|hit| format!("{}.{}", hit.namespace, hit.rule))
                    .collect(),
            }),
            Ok(_) => {}
            Err(error) => {
                tracing::info!(error = %error, sha256 = %sha256, "A retrohunt scan failed on one sample; skipping it.");
            }
        }
    }
    let done = i64::try_from(batch.len()).unwrap_or(i64::MAX) < shared.settings.retrohunt_batch;
    let cursor = batch.last().cloned().unwrap_or_else(|| job.cursor.clone());
    let chunk = RetrohuntChunk {
        matches: &matches,
        scanned: i64::try_from(batch.len()).unwrap_or(i64::MAX),
        cursor: &cursor,
        done,
    };
    let mut transaction = shared.pool.begin().await?;
    let saved = store::save_retrohunt_chunk(&mut transaction, id, &job.cursor, &chunk).await?;
    if saved && !done {
        shared
            .outbox
            .enqueue(
                &mut transaction,
                &Envelope::new(RetrohuntRequested { retrohunt_id: id }),
            )
            .await?;
    }
    transaction.commit().await?;
    Ok(())
}
