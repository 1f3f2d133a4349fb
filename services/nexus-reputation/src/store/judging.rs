//! What a bounty's projection needs beyond its chain facts (`domain::projection::Judging`):
//! - file types: each file bounty's artifact type and family, asked of nexus-analysis by the
//!   `file-types` worker; the rows are its queue (`next_check`), leased so replicas do not ask
//!   twice. Recording a type re-projects the bounty, so its waiting settlement is scored then.
//! - re-judgements: each settled bounty looked at once at 30 and once at 90 days; a differing
//!   ground truth re-scores the bounty's assertions in the transaction that records the check.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_core::settlement::Outcome;
use uuid::Uuid;

use super::scores::{lock_bounty, signed};
use super::{Applied, Store, Touched, db};
use crate::domain::projection::{ArtifactType, outcome_name};
use crate::error::ReputationError;

/// A file bounty whose artifact type is due to be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTypeCheck {
    /// The contract's bounty id.
    pub bounty_id: i64,
    /// The file's SHA-256, 64 lower-case hex digits.
    pub sha256: String,
    /// How many times it was asked before.
    pub attempts: i32,
}

/// Where a recorded file type came from (`reputation.file_types.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeSource {
    /// nexus-analysis' summary named the type.
    Analysis,
    /// nexus-analysis does not hold the file (404): `other`.
    UnknownToAnalysis,
    /// Held, but no type after every attempt: `other`.
    NeverAnalysed,
}

impl TypeSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Analysis => "analysis",
            Self::UnknownToAnalysis => "unknown_to_analysis",
            Self::NeverAnalysed => "never_analysed",
        }
    }
}

/// A settled bounty due for a re-judgement milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct DueBounty {
    /// The contract's bounty id.
    pub bounty_id: i64,
    /// `file`, `url`, `contract` or `unknown`.
    pub artifact_kind: String,
    /// The artifact reference (`0x` + 64 hex digits), empty when unknown.
    pub artifact_hash: String,
    /// When it settled.
    pub settled_at: DateTime<Utc>,
    /// The outcome in force (the chain's, or an earlier re-judgement's).
    pub outcome: String,
}

/// One milestone's check of one bounty.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejudgement {
    /// The bounty.
    pub bounty_id: i64,
    /// 30 or 90.
    pub milestone_days: i32,
    /// The outcome in force when checked.
    pub outcome_before: String,
    /// The ground truth found, if any.
    pub ground_truth: Option<Outcome>,
    /// What decided it.
    pub evidence: String,
    /// When.
    pub checked_at: DateTime<Utc>,
}

impl Rejudgement {
    /// The outcome the bounty is re-scored under: the ground truth when it differs.
    pub fn new_outcome(&self) -> Option<Outcome> {
        self.ground_truth
            .filter(|truth| outcome_name(*truth) != self.outcome_before)
    }

    /// The history reason: `Rejudged30d` or `Rejudged90d`.
    pub fn reason(&self) -> String {
        format!("Rejudged{}d", self.milestone_days)
    }
}

impl Store {
    /// Up to `limit` file bounties whose type is due to be asked, leased for `lease`.
    pub async fn lease_file_types(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<FileTypeCheck>, ReputationError> {
        let rows = sqlx::query!(
            "UPDATE reputation.file_types SET next_check = now() + make_interval(secs => $2) \
             WHERE bounty_id IN (SELECT bounty_id FROM reputation.file_types \
               WHERE next_check <= now() ORDER BY next_check LIMIT $1 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING bounty_id, sha256, attempts",
            limit,
            lease.as_secs_f64(),
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| FileTypeCheck {
                bounty_id: row.bounty_id,
                sha256: row.sha256,
                attempts: row.attempts,
            })
            .collect())
    }

    /// Records bounty `bounty_id`'s file type and projects the bounty again (its settlement, if
    /// any, is scored now: the history rows carry the settling event's name and envelope), in
    /// one transaction. A type recorded already is left alone.
    pub async fn record_file_type(
        &self,
        bounty_id: i64,
        known: &ArtifactType,
        source: TypeSource,
    ) -> Result<Touched, ReputationError> {
        let id = u64::try_from(bounty_id)
            .map_err(|_| ReputationError::Internal("a negative bounty id".into()))?;
        let mut transaction = self.pool.begin().await.map_err(db)?;
        lock_bounty(&mut transaction, id).await?;
        let updated = sqlx::query!(
            "UPDATE reputation.file_types SET file_type = $2, family = $3, source = $4, \
             next_check = NULL, last_error = NULL, known_at = now() \
             WHERE bounty_id = $1 AND file_type IS NULL",
            bounty_id,
            known.file_type.as_str(),
            known.family,
            source.as_str(),
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?
        .rows_affected();
        let settling = sqlx::query!(
            "SELECT envelope_id, name FROM reputation.chain_inputs WHERE bounty_id = $1 \
             AND name IN ('BountyResolved', 'DisputeDecided') \
             ORDER BY block_number DESC, log_index DESC LIMIT 1",
            bounty_id,
        )
        .fetch_optional(&mut *transaction)
        .await
        .map_err(db)?;
        let touched = match settling {
            Some(fact) if updated == 1 => {
                self.reproject(&mut transaction, id, fact.envelope_id, &fact.name)
                    .await?
            }
            _ => Touched::default(),
        };
        transaction.commit().await.map_err(db)?;
        Ok(touched)
    }

    /// Asks about bounty `bounty_id`'s file type again after `delay`, noting why.
    pub async fn defer_file_type(
        &self,
        bounty_id: i64,
        delay: Duration,
        error: &str,
    ) -> Result<(), ReputationError> {
        sqlx::query!(
            "UPDATE reputation.file_types SET next_check = now() + make_interval(secs => $2), \
             attempts = attempts + 1, last_error = $3 WHERE bounty_id = $1 AND file_type IS NULL",
            bounty_id,
            delay.as_secs_f64(),
            error,
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Up to `limit` scored bounties settled at or before `settled_before` that milestone
    /// `milestone_days` has not looked at yet, oldest first.
    pub async fn due_rejudgements(
        &self,
        milestone_days: i32,
        settled_before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueBounty>, ReputationError> {
        sqlx::query_as!(
            DueBounty,
            r#"SELECT s.bounty_id AS "bounty_id!", min(s.artifact_kind) AS "artifact_kind!",
                 min(s.artifact_hash) AS "artifact_hash!", min(s.settled_at) AS "settled_at!",
                 min(s.outcome) AS "outcome!"
               FROM reputation.assertions s
               WHERE s.settled_at <= $1 AND NOT EXISTS (SELECT 1 FROM reputation.rejudgements r
                 WHERE r.bounty_id = s.bounty_id AND r.milestone_days = $2)
               GROUP BY s.bounty_id ORDER BY min(s.settled_at), s.bounty_id LIMIT $3"#,
            settled_before,
            milestone_days,
            limit,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    /// The latest bounty on the same artifact settled after `settled_at` with a valid outcome:
    /// its id and outcome.
    pub async fn later_outcome(
        &self,
        artifact_hash: &str,
        bounty_id: i64,
        settled_at: DateTime<Utc>,
    ) -> Result<Option<(i64, String)>, ReputationError> {
        let row = sqlx::query!(
            "SELECT bounty_id, outcome FROM reputation.assertions \
             WHERE artifact_hash = $1 AND artifact_hash <> '' AND bounty_id <> $2 \
               AND settled_at > $3 AND outcome <> 'invalid' \
             ORDER BY settled_at DESC, bounty_id DESC LIMIT 1",
            artifact_hash,
            bounty_id,
            settled_at,
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|row| (row.bounty_id, row.outcome)))
    }

    /// Records one milestone's check and, when the ground truth differs from the outcome in
    /// force, re-scores the bounty under it (history reason `Rejudged30d` / `Rejudged90d`), in
    /// one transaction; a milestone checked already is a [`Applied::Duplicate`].
    pub async fn record_rejudgement(
        &self,
        check: &Rejudgement,
    ) -> Result<Applied, ReputationError> {
        let id = u64::try_from(check.bounty_id)
            .map_err(|_| ReputationError::Internal("a negative bounty id".into()))?;
        let mut transaction = self.pool.begin().await.map_err(db)?;
        lock_bounty(&mut transaction, id).await?;
        let new_outcome = check.new_outcome();
        let inserted = sqlx::query!(
            "INSERT INTO reputation.rejudgements (bounty_id, milestone_days, checked_at, \
             outcome_before, ground_truth, evidence, new_outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            signed(id, "the bounty id")?,
            check.milestone_days,
            check.checked_at,
            check.outcome_before,
            check.ground_truth.map(outcome_name),
            check.evidence,
            new_outcome.map(outcome_name),
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted == 0 {
            return Ok(Applied::Duplicate);
        }
        let touched = if new_outcome.is_some() {
            self.reproject(&mut transaction, id, Uuid::now_v7(), &check.reason())
                .await?
        } else {
            Touched::default()
        };
        transaction.commit().await.map_err(db)?;
        Ok(Applied::Changed(touched))
    }
}
