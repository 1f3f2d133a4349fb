//! Retrohunts: an account's YARA rules run, in the background, over the samples that account
//! may read.
//!
//! A retrohunt walks the stored samples in SHA-256 order, in chunks of at most
//! `retrohunt_batch` samples. For each sample the service Cedar policies decide whether the hunt's
//! owner may read it (`file:read` for the owner); only those are scanned, so a hunt can never
//! learn anything about a sample its owner could not read (issue 13: per-bit rules spelling out
//! another user's private upload). Matches go to the hunt, which only its owner (and admins)
//! may read.
//!
//! The owner is the owner now: before each chunk [`owner`] checks whether the owner's role or
//! status changed since the hunt last knew them (one Redis look-up of the owner's revocation
//! mark; a later mark reads the account from nexus-user). A disabled, banned or deleted owner's
//! hunt ends `failed` with a stable reason (`owner_disabled`, `owner_banned`,
//! `owner_not_found`); a demoted owner's hunt reads, from that chunk on, only what the new role
//! may read.
//!
//! CPU apart from analyses: hunts run on their own bounded pool ([`HuntCapacity`],
//! `analysis.jobs.hunt_threads` threads, as many hunt consumers), never on the analysis pool;
//! however slow a user's rule is, analyses of uploads never wait for it, and it holds at most
//! the hunt threads (docs/ENGINE.md, "Retrohunts").
//!
//! Time: a chunk starts scans only during the first half of `bus.handler_timeout`; each scan
//! gets the owner's full per-sample budget ([`sample_budget`]: `retrohunt_scan_timeout`, at
//! most what still fits the handler timeout after the chunk's scanning half) and the pool
//! stops waiting for it after that budget plus a grace, so a chunk always ends inside its
//! handler timeout whatever the rules do, and is never delivered again for being slow. A
//! sample that exhausts its budget is counted `skipped`, never retried; a sample the chunk had
//! no time left for waits for the next chunk (it is never skipped for lack of time). A hunt
//! stops, with the reason in `error`, once it has scanned the bytes left of its owner's daily
//! quota.
//!
//! Each job commits its matches, counters and the new cursor in one transaction (only if the
//! cursor has not moved meanwhile, so a redelivered chunk changes nothing), and queues the
//! next chunk. A crashed worker costs at most one chunk, which the reclaiming consumer redoes.

mod owner;

use std::sync::Arc;
use std::time::{Duration, Instant};

use nexus_bus::{BusSettings, Delivery, Handler, HandlerError};
use nexus_client::ClientSettings;
use nexus_core::Sha256;
use nexus_engine::RuleSet;
use nexus_policy::{Action, Principal, Request, RequestContext};
use nexus_proto::Envelope;
use nexus_proto::analysis::{RetrohuntMatch, RetrohuntRequested, RetrohuntStatus};
use nexus_proto::report::YaraMatch;
use uuid::Uuid;

pub use self::owner::{HuntOwners, OWNER_BANNED, OWNER_DISABLED, OWNER_NOT_FOUND, Standing};
use crate::AnalysisService;
use crate::blocking_pool::{BlockingPool, PoolError};
use crate::error::AnalysisError;
use crate::sample_store::{SampleProblem, open_sample};
use crate::settings::AnalysisSettings;
use crate::store::RetrohuntChunk;

/// Consumer group of the retrohunt workers.
pub const RETROHUNT_GROUP: &str = "analysis-retrohunts";

/// Share of `bus.handler_timeout` during which a chunk may start scans.
const CHUNK_SHARE_OF_HANDLER_TIMEOUT: f64 = 0.5;

/// Share of `bus.handler_timeout` kept for committing the chunk after its last scan.
const COMMIT_SHARE_OF_HANDLER_TIMEOUT: f64 = 0.1;

/// How long the pool waits for a scan past its budget (yara-x checks its timeout about once a
/// second); at most a tenth of the handler timeout, so short handler timeouts stay safe.
const SCAN_GRACE: Duration = Duration::from_secs(1);

/// The shortest timeout handed to YARA itself (it counts its timeout in whole seconds); the
/// pool's wait, not YARA's timeout, is what bounds the chunk.
const YARA_MIN_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a hunt stopped before the end when its owner's daily bytes ran out.
const QUOTA_STOP: &str = "stopped early: the owner's daily quota of bytes scanned by retrohunts \
     was reached; the samples after the last one scanned were not searched";

/// What retrohunts run on, apart from analyses: their own CPU pool and the owner check.
#[derive(Debug)]
pub struct HuntCapacity {
    /// The only threads that run hunt rules (`analysis.jobs.hunt_threads`).
    pub(crate) pool: BlockingPool,
    /// Reads owners' accounts when their role or status changed.
    pub(crate) owners: HuntOwners,
}

impl HuntCapacity {
    /// Starts the hunt pool and the nexus-user client (`analysis.user_url`).
    pub fn new(
        settings: &AnalysisSettings,
        clients: &ClientSettings,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let threads = settings.jobs.hunt_threads();
        Ok(Self {
            pool: BlockingPool::new("retrohunt-cpu", threads, threads)?,
            owners: HuntOwners::new(&settings.user_url, clients)?,
        })
    }
}

/// Time limits of one chunk, from the bus's handler timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Scans start only before this much of the chunk has passed.
    pub scanning: Duration,
    /// A scan's budget: YARA's timeout, and what the pool waits for it before the grace.
    pub per_sample: Duration,
    /// What the pool waits past `per_sample`.
    pub grace: Duration,
}

/// The limits of a chunk: a scan started at the end of the scanning share, with its budget and
/// grace, still leaves the commit share of the handler timeout.
pub fn sample_budget(bus: &BusSettings, scan_timeout: Duration) -> ChunkLimits {
    let handler = bus.handler_timeout;
    let scanning = handler.mul_f64(CHUNK_SHARE_OF_HANDLER_TIMEOUT);
    let grace = SCAN_GRACE.min(handler / 10);
    let room = handler
        .saturating_sub(scanning)
        .saturating_sub(handler.mul_f64(COMMIT_SHARE_OF_HANDLER_TIMEOUT))
        .saturating_sub(grace);
    ChunkLimits {
        scanning,
        per_sample: scan_timeout.min(room),
        grace,
    }
}

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
    /// No hunt thread was free for it; try again in the next chunk.
    Busy,
}

/// Scans one stored sample on the hunt pool under `limits`: in place (mapped by yara-x) when
/// the store keeps it on local disk, else mapped from a staged download.
async fn scan_sample(
    service: &AnalysisService,
    rules: &Arc<RuleSet>,
    sha256: &Sha256,
    limits: ChunkLimits,
) -> Result<Scanned, AnalysisError> {
    let rules = Arc::clone(rules);
    let pool = &service.hunts.pool;
    let wait = limits.per_sample + limits.grace;
    let yara_timeout = limits.per_sample.max(YARA_MIN_TIMEOUT);
    let scan = match service.samples.local_path(sha256) {
        Some(path) => {
            if !tokio::fs::try_exists(&path)
                .await
                .map_err(AnalysisError::Store)?
            {
                return Ok(Scanned::Gone);
            }
            pool.run(wait, move |_| rules.scan_file(&path, yara_timeout, 1))
                .await
        }
        None => {
            // A remote sample is streamed into a staged download and mapped, never read
            // whole into memory (`open_sample`); the download goes with the mapping.
            let sample = match open_sample(
                service.samples.as_ref(),
                sha256,
                service.settings.max_upload_bytes,
            )
            .await
            {
                Ok(sample) => sample,
                Err(SampleProblem::Fatal(reason)) => {
                    tracing::info!(reason = %reason, sha256 = %sha256, "A retrohunt cannot read one sample; skipping it.");
                    return Ok(Scanned::Skipped);
                }
                Err(SampleProblem::Io(error)) => return Err(AnalysisError::Store(error)),
            };
            pool.run(wait, move |_| match sample.load() {
                Ok(bytes) => rules.scan(bytes.as_ref(), yara_timeout, 1),
                Err(error) => Err(nexus_engine::EngineError::YaraScan(format!(
                    "mapping the sample failed: {error}"
                ))),
            })
            .await
        }
    };
    Ok(match scan {
        Ok(Ok(hits)) => Scanned::Done(hits),
        Ok(Err(error)) => {
            tracing::info!(error = %error, sha256 = %sha256, "A retrohunt's rules did not finish on one sample; skipping it.");
            Scanned::Skipped
        }
        // Every hunt thread was still busy (a scan that overran its budget): this sample never
        // ran, so it waits for the next chunk instead of counting as skipped.
        Err(PoolError::Busy { .. } | PoolError::TimedOut { started: false, .. }) => Scanned::Busy,
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
    let limits = sample_budget(
        service.bus.settings(),
        service.settings.retrohunt_scan_timeout,
    );
    let Some(job) = service.store.retrohunt_job(id).await? else {
        return Ok(());
    };
    if matches!(
        job.status,
        RetrohuntStatus::Completed | RetrohuntStatus::Failed
    ) {
        return Ok(());
    }
    // The hunt reads as its owner now: their role and status are checked before every chunk.
    let standing = tokio::time::timeout(
        limits.scanning,
        service.hunts.owners.standing(service, id, &job),
    )
    .await
    .map_err(|_| AnalysisError::Task("checking the hunt's owner took too long".to_owned()))??;
    let owner_role = match standing {
        Standing::Active(role) => role,
        Standing::Stopped(reason) => {
            tracing::info!(retrohunt_id = %id, reason, "A retrohunt stopped: its owner may no longer run it.");
            service.store.fail_retrohunt(id, reason).await?;
            return Ok(());
        }
    };
    let source = job.source.clone();
    let compiled = service
        .hunts
        .pool
        .run(limits.scanning, move |_| {
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
    // Active (checked above), so never banned.
    let owner = Principal::User {
        id: job.owner.clone(),
        role: owner_role,
        is_banned: false,
    };
    let policies = service.policies.current();
    let mut progress = ChunkProgress::default();
    for candidate in &batch {
        // No scan starts past the scanning share: the sample waits for the next chunk with
        // its full budget, and this chunk ends inside its handler timeout.
        if started.elapsed() >= limits.scanning {
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
            let sha256 = &candidate.access.sha256;
            match scan_sample(service, &rules, sha256, limits).await? {
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
                // The sample waits for the next chunk (queued at once, no failed delivery).
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bus(handler_timeout: Duration) -> BusSettings {
        BusSettings {
            handler_timeout,
            ..BusSettings::default()
        }
    }

    #[test]
    fn the_default_budgets_give_each_sample_its_whole_scan_timeout() {
        let limits = sample_budget(&bus(Duration::from_secs(120)), Duration::from_secs(10));
        assert_eq!(limits.scanning, Duration::from_secs(60));
        assert_eq!(limits.per_sample, Duration::from_secs(10));
        assert_eq!(limits.grace, Duration::from_secs(1));
    }

    proptest! {
        /// A scan started at the last moment of the scanning share, waited for with its grace,
        /// still leaves the commit share: the chunk ends inside its handler timeout.
        #[test]
        fn a_scan_started_last_still_ends_inside_the_handler_timeout(
            handler_ms in 100_u64..600_000,
            scan_ms in 1_000_u64..600_000,
        ) {
            let handler = Duration::from_millis(handler_ms);
            let limits = sample_budget(&bus(handler), Duration::from_millis(scan_ms));
            let commit = handler.mul_f64(COMMIT_SHARE_OF_HANDLER_TIMEOUT);
            prop_assert!(limits.scanning + limits.per_sample + limits.grace + commit <= handler);
            prop_assert!(limits.per_sample <= Duration::from_millis(scan_ms));
        }
    }
}
