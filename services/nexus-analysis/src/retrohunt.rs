//! Retrohunts: an account's YARA rules run, in the background, over the samples that account
//! may read.
//!
//! A retrohunt walks the stored samples in SHA-256 order, in chunks of at most
//! `retrohunt_batch` samples. For each sample the service Cedar policies decide whether the hunt's
//! owner may read it (`file:read` for the owner, with the role the owner had when the hunt was
//! created); only those are scanned, so a hunt can never learn anything about a sample its
//! owner could not read (issue 13: per-bit rules spelling out another user's private upload).
//! Matches go to the hunt, which only its owner (and admins) may read.
//!
//! Time: the owner's rules get `retrohunt_scan_timeout` per sample on the bounded CPU pool
//! (the same budget stops YARA itself); a sample that exhausts it is counted `skipped`, never
//! retried. A chunk stops walking once half of `bus.handler_timeout` is used, so a chunk always
//! fits its handler timeout whatever the rules do; the rest continues in the next chunk. A
//! hunt stops, with the reason in `error`, once it has scanned the bytes left of its owner's
//! daily quota.
//!
//! Each job commits its matches, counters and the new cursor in one transaction (only if the
//! cursor has not moved meanwhile, so a redelivered chunk changes nothing), and queues the
//! next chunk. A crashed worker costs at most one chunk, which the reclaiming consumer redoes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nexus_bus::{Delivery, Handler, HandlerError};
use nexus_core::Sha256;
use nexus_engine::RuleSet;
use nexus_policy::{Action, Principal, Request, RequestContext};
use nexus_proto::Envelope;
use nexus_proto::analysis::{RetrohuntMatch, RetrohuntRequested, RetrohuntStatus};
use nexus_proto::report::YaraMatch;
use uuid::Uuid;

use crate::AnalysisService;
use crate::blocking_pool::PoolError;
use crate::error::AnalysisError;
use crate::sample_store::read_sample;
use crate::store::RetrohuntChunk;

/// Consumer group of the retrohunt workers.
pub const RETROHUNT_GROUP: &str = "analysis-retrohunts";

/// Share of `bus.handler_timeout` a chunk may spend scanning; the rest covers reading the
/// batch, committing, and a scan that overruns its budget by YARA's timeout granularity.
const CHUNK_SHARE_OF_HANDLER_TIMEOUT: f64 = 0.5;

/// How long YARA may run past its own timeout before the pool stops waiting for it (yara-x
/// checks its timeout about once a second).
const SCAN_GRACE: Duration = Duration::from_secs(1);

/// Why a hunt stopped before the end when its owner's daily bytes ran out.
const QUOTA_STOP: &str = "stopped early: the owner's daily quota of bytes scanned by retrohunts \
     was reached; the samples after the last one scanned were not searched";

/// Handles `RetrohuntRequested` jobs.
#[derive(Debug, Clone)]
pub struct RetrohuntJobs {
    service: Arc<AnalysisService>,
}

impl RetrohuntJobs {
    /// A handler over the service.
    pub fn new(service: Arc<AnalysisService>) -> Self {
        Self { service }
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
        run_chunk(&self.service, id).await.map_err(|error| {
            tracing::warn!(error = %nexus_http::error::cause_chain(&error), retrohunt_id = %id, "A retrohunt chunk failed and will be retried.");
            HandlerError::retryable(error)
        })
    }
}

/// What scanning one sample came to.
enum Scanned {
    /// The rules ran to the end (possibly matching nothing).
    Done(Vec<YaraMatch>),
    /// The rules ran out of their time budget or failed on this sample.
    Skipped,
    /// The sample is no longer in the store.
    Gone,
    /// The CPU pool is full; try again in a later chunk.
    Busy,
}

/// Scans one stored sample on the CPU pool under `budget`: in place (mapped by yara-x) when the
/// store keeps it on local disk, else after reading it.
async fn scan_sample(
    service: &AnalysisService,
    rules: &Arc<RuleSet>,
    sha256: &Sha256,
    budget: Duration,
) -> Result<Scanned, AnalysisError> {
    let rules = Arc::clone(rules);
    let scan = match service.samples.local_path(sha256) {
        Some(path) => {
            if !tokio::fs::try_exists(&path)
                .await
                .map_err(AnalysisError::Store)?
            {
                return Ok(Scanned::Gone);
            }
            service
                .cpu
                .run(budget + SCAN_GRACE, move |_| {
                    rules.scan_file(&path, budget, 1)
                })
                .await
        }
        None => {
            let bytes = match read_sample(
                service.samples.as_ref(),
                sha256,
                service.settings.max_upload_bytes,
            )
            .await
            {
                Ok(bytes) => bytes,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(Scanned::Gone);
                }
                Err(error) => return Err(AnalysisError::Store(error)),
            };
            service
                .cpu
                .run(budget + SCAN_GRACE, move |_| rules.scan(&bytes, budget, 1))
                .await
        }
    };
    Ok(match scan {
        Ok(Ok(hits)) => Scanned::Done(hits),
        Ok(Err(error)) => {
            tracing::info!(error = %error, sha256 = %sha256, "A retrohunt's rules did not finish on one sample; skipping it.");
            Scanned::Skipped
        }
        Err(PoolError::Busy { .. }) => Scanned::Busy,
        Err(error @ (PoolError::TimedOut { .. } | PoolError::Panicked(_))) => {
            tracing::info!(error = %error, sha256 = %sha256, "A retrohunt scan was abandoned on one sample; skipping it.");
            Scanned::Skipped
        }
        Err(PoolError::Closed) => return Err(AnalysisError::Task(PoolError::Closed.to_string())),
    })
}

/// What one chunk found and how far it got.
#[derive(Default)]
struct ChunkProgress {
    matches: Vec<RetrohuntMatch>,
    walked: usize,
    cursor: Option<String>,
    scanned: i64,
    skipped: i64,
    bytes: i64,
    stopped: Option<&'static str>,
}

async fn run_chunk(service: &AnalysisService, id: Uuid) -> Result<(), AnalysisError> {
    let started = Instant::now();
    let chunk_budget = service
        .bus
        .settings()
        .handler_timeout
        .mul_f64(CHUNK_SHARE_OF_HANDLER_TIMEOUT);
    let Some(job) = service.store.retrohunt_job(id).await? else {
        return Ok(());
    };
    if matches!(
        job.status,
        RetrohuntStatus::Completed | RetrohuntStatus::Failed
    ) {
        return Ok(());
    }
    let source = job.source.clone();
    let compiled = service
        .cpu
        .run(chunk_budget, move |_| {
            RuleSet::compile([("retrohunt", source.as_str())])
        })
        .await
        .map_err(|error| AnalysisError::Task(error.to_string()))?;
    let rules = match compiled {
        Ok(rules) => Arc::new(rules),
        Err(error) => {
            service.store.fail_retrohunt(id, &error.to_string()).await?;
            return Ok(());
        }
    };
    let batch = service
        .store
        .hunt_candidates_after(&job.cursor, service.settings.retrohunt_batch, &job.owner)
        .await?;
    // The hunt reads as its owner, with the role they had when they created it.
    let owner = Principal::User {
        id: job.owner.clone(),
        role: job.owner_role,
        is_banned: false,
    };
    let policies = service.policies.current();
    let mut progress = ChunkProgress::default();
    for candidate in &batch {
        let elapsed = started.elapsed();
        if elapsed >= chunk_budget {
            break;
        }
        let readable = policies
            .policies
            .authorize(&Request {
                principal: owner.clone(),
                action: Action::FileRead,
                resource: candidate.access.file(Some(&job.owner)),
                context: RequestContext::default(),
            })
            .allowed;
        if readable {
            if job.bytes_scanned + progress.bytes + candidate.size > job.bytes_budget {
                progress.stopped = Some(QUOTA_STOP);
                break;
            }
            let budget = service
                .settings
                .retrohunt_scan_timeout
                .min(chunk_budget - elapsed);
            let sha256 = &candidate.access.sha256;
            match scan_sample(service, &rules, sha256, budget).await? {
                Scanned::Done(hits) => {
                    progress.scanned += 1;
                    progress.bytes += candidate.size;
                    if !hits.is_empty() {
                        progress.matches.push(RetrohuntMatch {
                            sha256: sha256.clone(),
                            rules: hits
                                .iter()
                                .map(|hit| format!("{}.{}", hit.namespace, hit.rule))
                                .collect(),
                        });
                    }
                }
                Scanned::Skipped => {
                    progress.skipped += 1;
                    progress.bytes += candidate.size;
                }
                Scanned::Gone => {}
                Scanned::Busy if progress.walked == 0 => {
                    return Err(AnalysisError::Task(
                        "the CPU pool is busy; the chunk is retried".to_owned(),
                    ));
                }
                Scanned::Busy => break,
            }
        }
        progress.walked += 1;
        progress.cursor = Some(candidate.access.sha256.to_string());
    }
    let exhausted = progress.walked == batch.len()
        && i64::try_from(batch.len()).unwrap_or(i64::MAX) < service.settings.retrohunt_batch;
    let done = exhausted || progress.stopped.is_some();
    let cursor = progress
        .cursor
        .clone()
        .unwrap_or_else(|| job.cursor.clone());
    let chunk = RetrohuntChunk {
        matches: &progress.matches,
        scanned: progress.scanned,
        skipped: progress.skipped,
        bytes: progress.bytes,
        cursor: &cursor,
        stopped: progress.stopped,
        done,
    };
    service
        .store
        .save_retrohunt_chunk(id, &job.cursor, &chunk)
        .await?;
    Ok(())
}
