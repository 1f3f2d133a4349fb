//! The two workers that judge what the chain facts alone cannot:
//!
//! - `file-types` ([`resolve_file_types`]): asks nexus-analysis
//!   (`GET /internal/v1/files/{sha256}/summary`) for each new file bounty's type and family tag,
//!   records them with the bounty (`reputation.file_types`, so replays never ask again) and
//!   projects the bounty again. The consumer never calls analysis: a file bounty's settlement
//!   waits, unscored, until its type is known, so analysis being down delays scores instead of
//!   filing them under `other` (asked again after 1 s doubling up to 5 min). A file analysis does
//!   not hold is `other` (`unknown_to_analysis`); a held file still untyped after
//!   [`TYPE_MAX_ATTEMPTS`] asks (about two hours) is `other` (`never_analysed`).
//! - `rejudgements` ([`rejudge`]): each settled bounty 30 and 90 days after it settled is
//!   compared with the ground truth then ([`crate::domain::ground_truth`]); when they differ, its
//!   assertions are re-scored (history reason `Rejudged30d` / `Rejudged90d`). Once per bounty
//!   per milestone (the check's row is the key). The pass takes `now` as a parameter (the worker
//!   passes the wall clock; settlement times are the chain's block times), so tests need not wait
//!   30 days.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_client::{CallContext, ClientError};
use nexus_core::Sha256;
use nexus_core::reputation::{FileType, normalize_family};
use nexus_proto::analysis::FileSummary;
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use crate::ReputationService;
use crate::domain::ground_truth::ground_truth;
use crate::domain::projection::{ArtifactType, parse_outcome};
use crate::error::ReputationError;
use crate::store::{Applied, Rejudgement, Touched, TypeSource};

/// File bounties asked per pass.
const TYPE_BATCH: i64 = 50;
/// How long a leased row is left to its worker before another may take it.
const TYPE_LEASE: Duration = Duration::from_secs(60);
/// Pause between passes when nothing is due.
const TYPE_IDLE: Duration = Duration::from_millis(500);
/// Longest wait between asks.
const TYPE_MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Asks of a held but untyped file before it is recorded as `other` (`never_analysed`).
pub const TYPE_MAX_ATTEMPTS: i32 = 30;
/// Bounties looked at per milestone per pass.
const REJUDGE_BATCH: i64 = 50;
/// The re-judgement milestones, days after settlement, in the order they are checked.
pub const MILESTONES: [i32; 2] = [30, 90];

/// The `file-types` worker.
pub async fn resolve_file_types(
    service: Arc<ReputationService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    nexus_runtime::workers::run_passes(shutdown, TYPE_IDLE, "A file-type pass", || {
        file_type_pass(&service)
    })
    .await
}

fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 9)).unwrap_or(0);
    Duration::from_secs(2u64.pow(exponent)).min(TYPE_MAX_BACKOFF)
}

async fn update_boards(service: &ReputationService, touched: &Touched) {
    if let Err(error) = service
        .boards
        .update_users(&touched.users, Utc::now())
        .await
    {
        tracing::warn!(%error, "The leaderboards could not be updated after a change.");
    }
}

/// One pass of the `file-types` worker; how many bounties it asked about.
pub async fn file_type_pass(service: &ReputationService) -> Result<usize, ReputationError> {
    let due = service
        .store
        .lease_file_types(TYPE_BATCH, TYPE_LEASE)
        .await?;
    for check in &due {
        let other = |source| {
            (
                ArtifactType {
                    file_type: FileType::Other,
                    family: None,
                },
                source,
            )
        };
        let known = match check.sha256.parse::<Sha256>() {
            Err(_) => Some(other(TypeSource::UnknownToAnalysis)),
            Ok(sha256) => match service
                .analysis
                .file_summary(&CallContext::none(), &sha256)
                .await
            {
                Ok(FileSummary {
                    file_type: Some(name),
                    family,
                    ..
                }) => Some((
                    ArtifactType {
                        file_type: FileType::from_report_name(&name),
                        family: family.as_deref().and_then(normalize_family),
                    },
                    TypeSource::Analysis,
                )),
                Ok(_) if check.attempts + 1 >= TYPE_MAX_ATTEMPTS => {
                    Some(other(TypeSource::NeverAnalysed))
                }
                Ok(_) => {
                    service
                        .store
                        .defer_file_type(
                            check.bounty_id,
                            backoff(check.attempts),
                            "not analysed yet",
                        )
                        .await?;
                    None
                }
                Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => {
                    Some(other(TypeSource::UnknownToAnalysis))
                }
                Err(error) => {
                    service
                        .store
                        .defer_file_type(
                            check.bounty_id,
                            backoff(check.attempts),
                            &error.to_string(),
                        )
                        .await?;
                    None
                }
            },
        };
        if let Some((known, source)) = known {
            let touched = service
                .store
                .record_file_type(check.bounty_id, &known, source)
                .await?;
            update_boards(service, &touched).await;
        }
    }
    Ok(due.len())
}

/// The `rejudgements` worker: a pass every `reputation.rejudge_interval` (at once again while
/// there is work), at the wall clock's time.
pub async fn rejudge(service: Arc<ReputationService>, shutdown: CancellationToken) -> WorkerResult {
    let idle = service.settings.rejudge_interval;
    nexus_runtime::workers::run_passes(shutdown, idle, "A re-judgement pass", || {
        rejudge_pass(&service, Utc::now())
    })
    .await
}

/// One re-judgement pass as of `now`: every bounty that reached a milestone by `now` and was
/// not checked at it yet (up to a batch per milestone); how many checks it recorded. A file
/// whose analysis does not answer is left due and asked again at the next pass.
pub async fn rejudge_pass(
    service: &ReputationService,
    now: DateTime<Utc>,
) -> Result<usize, ReputationError> {
    let mut recorded = 0;
    for days in MILESTONES {
        let settled_before = now - chrono::Duration::days(i64::from(days));
        let due = service
            .store
            .due_rejudgements(days, settled_before, REJUDGE_BATCH)
            .await?;
        for bounty in due {
            let later = service
                .store
                .later_outcome(&bounty.artifact_hash, bounty.bounty_id, bounty.settled_at)
                .await?
                .and_then(|(id, name)| parse_outcome(&name).map(|outcome| (id, outcome)));
            let sha256 = bounty
                .artifact_hash
                .trim_start_matches("0x")
                .parse::<Sha256>()
                .ok()
                .filter(|_| bounty.artifact_kind == "file" && later.is_none());
            let analysis = match sha256 {
                Some(sha256) => match service
                    .analysis
                    .file_summary(&CallContext::none(), &sha256)
                    .await
                {
                    Ok(summary) => Some(summary),
                    Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => None,
                    Err(error) => {
                        tracing::warn!(%error, bounty_id = bounty.bounty_id,
                            "nexus-analysis did not answer a re-judgement; asking again later.");
                        continue;
                    }
                },
                None => None,
            };
            let truth = ground_truth(later, analysis.as_ref(), bounty.settled_at);
            let check = Rejudgement {
                bounty_id: bounty.bounty_id,
                milestone_days: days,
                outcome_before: bounty.outcome,
                ground_truth: truth.outcome,
                evidence: truth.evidence,
                checked_at: now,
            };
            if let Applied::Changed(touched) = service.store.record_rejudgement(&check).await? {
                recorded += 1;
                update_boards(service, &touched).await;
            }
        }
    }
    Ok(recorded)
}
