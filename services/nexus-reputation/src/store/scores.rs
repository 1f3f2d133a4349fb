//! Chain facts in, scores out: each applied envelope stores its fact (or removes retracted ones),
//! projects its bounty again ([`crate::domain::projection`]) and, for every analyst whose
//! assertion changed, rewrites the assertion, the analyst's aggregate (nexus-core's
//! `reputation`, decayed to now) and a history row with the reason, and writes
//! `ReputationChanged` / `TrustLevelChanged` to the outbox when the wallet's account is known:
//! all in the transaction that records the envelope id in the inbox.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use nexus_core::reputation::{FileType, TrustLevel, reputation};
use nexus_proto::chain::ChainEvent;
use nexus_proto::reputation::{ReputationChanged, TrustLevelChanged};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Store, db};
use crate::domain::projection::{
    self, ScoredAssertion, StoredFact, analyst_outcome_name, outcome_name, parse_analyst_outcome,
    parse_outcome, parse_verdict, verdict_name,
};
use crate::error::ReputationError;

/// What applying one envelope did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The envelope had been applied before: nothing changed.
    Duplicate,
    /// Applied; these changed.
    Changed(Touched),
}

/// Who an applied envelope changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Analyst wallets whose assertions changed.
    pub analysts: usize,
    /// Accounts (known owners of those wallets) whose boards need updating.
    pub users: BTreeSet<Uuid>,
}

/// A stored `reputation.assertions` row.
pub(super) struct AssertionRecord {
    pub(super) bounty_id: i64,
    pub(super) analyst: String,
    pub(super) artifact_kind: String,
    pub(super) artifact_hash: String,
    pub(super) file_type: String,
    pub(super) family: Option<String>,
    pub(super) verdict: Option<String>,
    pub(super) confidence: Option<i16>,
    pub(super) stake: String,
    pub(super) outcome: String,
    pub(super) analyst_outcome: String,
    pub(super) correct: Option<bool>,
    pub(super) slashed: bool,
    pub(super) settled_at: DateTime<Utc>,
    pub(super) points: f64,
}

impl AssertionRecord {
    pub(super) fn scored(self) -> Result<ScoredAssertion, ReputationError> {
        let corrupt = |what: &str| {
            ReputationError::Internal(format!(
                "assertion ({}, {}) has an invalid {what}",
                self.bounty_id, self.analyst
            ))
        };
        Ok(ScoredAssertion {
            bounty_id: u64::try_from(self.bounty_id).map_err(|_| corrupt("bounty id"))?,
            artifact_kind: match self.artifact_kind.as_str() {
                "file" => "file",
                "url" => "url",
                "contract" => "contract",
                _ => "unknown",
            },
            artifact_hash: self.artifact_hash.clone(),
            file_type: FileType::parse(&self.file_type).ok_or_else(|| corrupt("file type"))?,
            family: self.family.clone(),
            verdict: self
                .verdict
                .as_deref()
                .map(|name| parse_verdict(name).ok_or_else(|| corrupt("verdict")))
                .transpose()?,
            confidence: self
                .confidence
                .map(|value| u8::try_from(value).map_err(|_| corrupt("confidence")))
                .transpose()?,
            stake: self.stake.parse().map_err(|_| corrupt("stake"))?,
            outcome: parse_outcome(&self.outcome).ok_or_else(|| corrupt("outcome"))?,
            analyst_outcome: parse_analyst_outcome(&self.analyst_outcome)
                .ok_or_else(|| corrupt("analyst outcome"))?,
            correct: self.correct,
            slashed: self.slashed,
            settled_at: self.settled_at,
            points: self.points,
            analyst: self.analyst,
        })
    }
}

pub(super) fn signed(value: u64, what: &str) -> Result<i64, ReputationError> {
    i64::try_from(value)
        .map_err(|_| ReputationError::Malformed(format!("{what} {value} is too large")))
}

impl Store {
    /// Applies one chain event that reputation stores (see
    /// [`projection::bounty_of`]): stores it, projects its bounty again and writes what changed,
    /// once per envelope id.
    #[tracing::instrument(skip_all, fields(envelope_id = %envelope_id, event = event.name()))]
    pub async fn apply_fact(
        &self,
        envelope_id: Uuid,
        event: &ChainEvent,
    ) -> Result<Applied, ReputationError> {
        let (Some(bounty_id), Some(log)) = (projection::bounty_of(event), event.log()) else {
            return Err(ReputationError::Malformed(format!(
                "{} carries no bounty reputation depends on",
                event.name()
            )));
        };
        let payload = serde_json::to_value(event).map_err(|error| {
            ReputationError::Internal(format!("an event does not serialize: {error}"))
        })?;
        let mut transaction = self.pool.begin().await.map_err(db)?;
        if !self
            .inbox
            .record_once(&mut transaction, super::CHAIN_CONSUMER, envelope_id)
            .await?
        {
            return Ok(Applied::Duplicate);
        }
        lock_bounty(&mut transaction, bounty_id).await?;
        sqlx::query!(
            "INSERT INTO reputation.chain_inputs \
             (envelope_id, bounty_id, name, block_number, log_index, block_time, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (envelope_id) DO NOTHING",
            envelope_id,
            signed(bounty_id, "the bounty id")?,
            event.name(),
            signed(log.block_number, "the block number")?,
            signed(log.log_index, "the log index")?,
            log.block_time,
            payload,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        let touched = self
            .reproject(&mut transaction, bounty_id, envelope_id, event.name())
            .await?;
        transaction.commit().await.map_err(db)?;
        Ok(Applied::Changed(touched))
    }

    /// Applies a reorganisation's retraction: removes the facts of the `retracted` envelopes and
    /// projects their bounties again (history reason `ChainEventsRetracted`), once per envelope.
    #[tracing::instrument(skip_all, fields(envelope_id = %envelope_id, retracted = retracted.len()))]
    pub async fn retract_facts(
        &self,
        envelope_id: Uuid,
        retracted: &[Uuid],
    ) -> Result<Applied, ReputationError> {
        let mut transaction = self.pool.begin().await.map_err(db)?;
        if !self
            .inbox
            .record_once(&mut transaction, super::CHAIN_CONSUMER, envelope_id)
            .await?
        {
            return Ok(Applied::Duplicate);
        }
        let bounties = sqlx::query_scalar!(
            "SELECT DISTINCT bounty_id FROM reputation.chain_inputs WHERE envelope_id = ANY($1) \
             ORDER BY bounty_id",
            retracted,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(db)?;
        let mut touched = Touched::default();
        for bounty_id in bounties {
            let bounty_id = u64::try_from(bounty_id)
                .map_err(|_| ReputationError::Internal("a negative bounty id".into()))?;
            lock_bounty(&mut transaction, bounty_id).await?;
            sqlx::query!(
                "DELETE FROM reputation.chain_inputs WHERE envelope_id = ANY($1) AND bounty_id = $2",
                retracted,
                signed(bounty_id, "the bounty id")?,
            )
            .execute(&mut *transaction)
            .await
            .map_err(db)?;
            let changed = self
                .reproject(
                    &mut transaction,
                    bounty_id,
                    envelope_id,
                    "ChainEventsRetracted",
                )
                .await?;
            touched.analysts += changed.analysts;
            touched.users.extend(changed.users);
        }
        transaction.commit().await.map_err(db)?;
        Ok(Applied::Changed(touched))
    }

    /// Projects `bounty_id` from its stored facts and writes every analyst's change.
    pub(super) async fn reproject(
        &self,
        transaction: &mut PgConnection,
        bounty_id: u64,
        envelope_id: Uuid,
        reason: &str,
    ) -> Result<Touched, ReputationError> {
        let key = signed(bounty_id, "the bounty id")?;
        let facts = sqlx::query!(
            "SELECT payload, block_time FROM reputation.chain_inputs WHERE bounty_id = $1 \
             ORDER BY block_number, log_index",
            key,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(db)?
        .into_iter()
        .map(|row| {
            serde_json::from_value::<ChainEvent>(row.payload)
                .map(|event| StoredFact {
                    event,
                    block_time: row.block_time,
                })
                .map_err(|error| {
                    ReputationError::Internal(format!(
                        "a stored chain fact does not decode: {error}"
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
        let judging = judging_of(transaction, key, &facts).await?;
        let projected = projection::project(bounty_id, &facts, &judging)
            .map_err(|error| ReputationError::Malformed(error.to_string()))?;
        let stored: BTreeMap<String, ScoredAssertion> = sqlx::query_as!(
            AssertionRecord,
            "SELECT bounty_id, analyst, artifact_kind, artifact_hash, file_type, family, verdict, \
             confidence, stake, outcome, analyst_outcome, correct, slashed, settled_at, points \
             FROM reputation.assertions WHERE bounty_id = $1",
            key,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(db)?
        .into_iter()
        .map(|record| {
            record
                .scored()
                .map(|scored| (scored.analyst.clone(), scored))
        })
        .collect::<Result<_, _>>()?;
        let analysts: BTreeSet<&String> = projected.keys().chain(stored.keys()).collect();
        let now = Utc::now();
        let mut touched = Touched::default();
        for analyst in analysts {
            let new = projected.get(analyst);
            if new == stored.get(analyst) {
                continue;
            }
            touched.analysts += 1;
            let changed = Change {
                analyst,
                bounty_id: key,
                envelope_id,
                reason,
                new,
                now,
            };
            if let Some(user_id) = self.write_change(transaction, changed).await? {
                touched.users.insert(user_id);
            }
        }
        Ok(touched)
    }

    /// Writes one analyst's changed assertion, aggregate and history row (and the outbox events
    /// when the account is known); returns the account.
    async fn write_change(
        &self,
        transaction: &mut PgConnection,
        change: Change<'_>,
    ) -> Result<Option<Uuid>, ReputationError> {
        // One round trip: creates the analyst if new and locks the row either way (the no-op
        // update takes the row lock as `SELECT ... FOR UPDATE` did), returning its state before.
        let before = sqlx::query!(
            "INSERT INTO reputation.analysts (analyst) VALUES ($1) \
             ON CONFLICT (analyst) DO UPDATE SET analyst = EXCLUDED.analyst \
             RETURNING user_id, trust_level",
            change.analyst,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(db)?;
        let mut all = sqlx::query_as!(
            AssertionRecord,
            "SELECT bounty_id, analyst, artifact_kind, artifact_hash, file_type, family, verdict, \
             confidence, stake, outcome, analyst_outcome, correct, slashed, settled_at, points \
             FROM reputation.assertions WHERE analyst = $1",
            change.analyst,
        )
        .fetch_all(&mut *transaction)
        .await
        .map_err(db)?
        .into_iter()
        .map(AssertionRecord::scored)
        .collect::<Result<Vec<_>, _>>()?;
        let now = u64::try_from(change.now.timestamp()).unwrap_or(0);
        // Both scores at the same instant, so the delta is the change's alone, not the decay
        // since the wallet's previous change.
        let score_of = |assertions: &[ScoredAssertion]| {
            let settled: Vec<_> = assertions
                .iter()
                .filter_map(ScoredAssertion::settled)
                .collect();
            reputation(&settled, now).overall
        };
        let old_score = score_of(&all).points;
        let bounty_id = u64::try_from(change.bounty_id).unwrap_or(u64::MAX);
        all.retain(|assertion| assertion.bounty_id != bounty_id);
        match change.new {
            Some(new) => {
                upsert_assertion(transaction, new).await?;
                all.push(new.clone());
            }
            None => {
                sqlx::query!(
                    "DELETE FROM reputation.assertions WHERE bounty_id = $1 AND analyst = $2",
                    change.bounty_id,
                    change.analyst,
                )
                .execute(&mut *transaction)
                .await
                .map_err(db)?;
            }
        }
        let overall = score_of(&all);
        let level = TrustLevel::of(&overall);
        let previous = TrustLevel::parse(&before.trust_level).unwrap_or(TrustLevel::Newcomer);
        let delta = overall.points - old_score;
        sqlx::query!(
            "UPDATE reputation.analysts SET score = $2, settled = $3, correct = $4, \
             trust_level = $5, updated_at = $6 WHERE analyst = $1",
            change.analyst,
            overall.points,
            i32::try_from(overall.settled).unwrap_or(i32::MAX),
            i32::try_from(overall.right).unwrap_or(i32::MAX),
            level.as_str(),
            change.now,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        sqlx::query!(
            "INSERT INTO reputation.history (analyst, bounty_id, envelope_id, reason, outcome, \
             analyst_outcome, delta, score, trust_level, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            change.analyst,
            change.bounty_id,
            change.envelope_id,
            change.reason,
            change.new.map(|new| outcome_name(new.outcome)),
            change
                .new
                .map(|new| analyst_outcome_name(new.analyst_outcome)),
            delta,
            overall.points,
            level.as_str(),
            change.now,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        let Some(user_id) = before.user_id else {
            return Ok(None);
        };
        if change.new.is_some_and(|new| new.correct == Some(true)) {
            super::referrals::queue_referral(transaction, user_id, change.bounty_id).await?;
        }
        self.outbox
            .enqueue_event(
                transaction,
                ReputationChanged {
                    user_id: user_id.to_string(),
                    analyst: change.analyst.clone(),
                    chain_bounty_id: u64::try_from(change.bounty_id).ok(),
                    reason: change.reason.to_owned(),
                    delta,
                    score: overall.points,
                },
                None,
            )
            .await?;
        if level != previous {
            self.outbox
                .enqueue_event(
                    transaction,
                    TrustLevelChanged {
                        user_id: user_id.to_string(),
                        analyst: change.analyst.clone(),
                        previous: crate::domain::trust::wire_level(previous),
                        current: crate::domain::trust::wire_level(level),
                    },
                    None,
                )
                .await?;
        }
        Ok(Some(user_id))
    }
}

/// One analyst's change on one bounty.
struct Change<'a> {
    analyst: &'a String,
    bounty_id: i64,
    envelope_id: Uuid,
    reason: &'a str,
    new: Option<&'a ScoredAssertion>,
    now: DateTime<Utc>,
}

/// What `bounty_id`'s projection needs beyond its facts: its file's type (a pending row is
/// created the first time the facts name a file, for the `file-types` worker) and its re-judged
/// outcome (the latest milestone's, when one differed).
async fn judging_of(
    transaction: &mut PgConnection,
    key: i64,
    facts: &[StoredFact],
) -> Result<projection::Judging, ReputationError> {
    let mut judging = projection::Judging::default();
    if let Some(sha256) = projection::file_artifact(facts) {
        sqlx::query!(
            "INSERT INTO reputation.file_types (bounty_id, sha256) VALUES ($1, $2) \
             ON CONFLICT (bounty_id) DO NOTHING",
            key,
            sha256,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        let known = sqlx::query!(
            "SELECT file_type, family FROM reputation.file_types WHERE bounty_id = $1",
            key,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(db)?;
        judging.file = known
            .file_type
            .map(|name| {
                FileType::parse(&name)
                    .map(|file_type| projection::ArtifactType {
                        file_type,
                        family: known.family,
                    })
                    .ok_or_else(|| {
                        ReputationError::Internal(format!(
                            "bounty {key} has the unknown file type {name:?}"
                        ))
                    })
            })
            .transpose()?;
    }
    judging.rejudged = sqlx::query_scalar!(
        "SELECT new_outcome AS \"new_outcome!\" FROM reputation.rejudgements \
         WHERE bounty_id = $1 AND new_outcome IS NOT NULL \
         ORDER BY milestone_days DESC LIMIT 1",
        key,
    )
    .fetch_optional(&mut *transaction)
    .await
    .map_err(db)?
    .map(|name| {
        parse_outcome(&name).ok_or_else(|| {
            ReputationError::Internal(format!("bounty {key} has the unknown outcome {name:?}"))
        })
    })
    .transpose()?;
    Ok(judging)
}

/// Serializes the projections of one bounty (consumer replicas, a retraction and a late fact):
/// a transaction-scoped advisory lock in the reputation service's own lock class.
pub(super) async fn lock_bounty(
    transaction: &mut PgConnection,
    bounty_id: u64,
) -> Result<(), ReputationError> {
    /// The lock class: "rep" in ASCII, so no other service's advisory locks collide.
    const LOCK_CLASS: i32 = 0x0072_6570;
    // The id's low 32 bits: two bounties 2^32 apart share a lock, which only serializes them.
    let key = (bounty_id & 0xffff_ffff) as u32 as i32;
    sqlx::query!("SELECT pg_advisory_xact_lock($1, $2)", LOCK_CLASS, key)
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
    Ok(())
}

async fn upsert_assertion(
    transaction: &mut PgConnection,
    new: &ScoredAssertion,
) -> Result<(), ReputationError> {
    sqlx::query!(
        "INSERT INTO reputation.assertions (bounty_id, analyst, artifact_kind, artifact_hash, \
         file_type, family, verdict, confidence, stake, outcome, analyst_outcome, correct, \
         slashed, settled_at, points) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (bounty_id, analyst) DO UPDATE SET artifact_kind = EXCLUDED.artifact_kind, \
         artifact_hash = EXCLUDED.artifact_hash, file_type = EXCLUDED.file_type, \
         family = EXCLUDED.family, verdict = EXCLUDED.verdict, \
         confidence = EXCLUDED.confidence, stake = EXCLUDED.stake, outcome = EXCLUDED.outcome, \
         analyst_outcome = EXCLUDED.analyst_outcome, correct = EXCLUDED.correct, \
         slashed = EXCLUDED.slashed, settled_at = EXCLUDED.settled_at, points = EXCLUDED.points",
        signed(new.bounty_id, "the bounty id")?,
        new.analyst,
        new.artifact_kind,
        new.artifact_hash,
        new.file_type.as_str(),
        new.family,
        new.verdict.map(verdict_name),
        new.confidence.map(i16::from),
        new.stake.to_string(),
        outcome_name(new.outcome),
        analyst_outcome_name(new.analyst_outcome),
        new.correct,
        new.slashed,
        new.settled_at,
        new.points,
    )
    .execute(&mut *transaction)
    .await
    .map_err(db)?;
    Ok(())
}
