//! The scheduler's reads and writes: bounties whose next step is a call anyone may make
//! (`resolve` after the reveal window, `refundCreator` once an Invalid outcome is final,
//! `slashUnrevealed` for each analyst who committed and never revealed once the bounty is
//! resolved), and the queueing of those calls on the relayer's queue.

use nexus_db::DbError;
use uuid::Uuid;

use super::Store;
use crate::error::BountyError;
use crate::relayer::NewTransaction;

/// A call the scheduler should queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCall {
    /// The platform's bounty id.
    pub bounty_id: Uuid,
    /// The contract's bounty id.
    pub chain_bounty_id: i64,
    /// `resolve`, `refund_creator` or `slash_unrevealed` (the relayer job's kind).
    pub kind: String,
    /// The analyst to slash (20 bytes), for `slash_unrevealed`.
    pub analyst: Option<Vec<u8>>,
}

impl Store {
    /// Up to `limit` calls due at `now` (unix seconds) that no job of the same kind was queued
    /// for yet: `resolve` for bounties on chain without an outcome whose reveal deadline is more
    /// than `grace` seconds past (the chain's clock may lag the wall clock; the contract refuses
    /// an early call), and `refund_creator` for Invalid outcomes whose dispute window (and any
    /// arbitration) is over and whose creator was not refunded, and `slash_unrevealed` for every
    /// analyst of a resolved bounty who committed and never revealed (one job per analyst: a job
    /// of that kind for the bounty whose calldata names the analyst counts as queued).
    /// Resolutions first.
    pub async fn due_calls(
        &self,
        now: i64,
        grace: i64,
        limit: i64,
    ) -> Result<Vec<DueCall>, BountyError> {
        let rows = sqlx::query_as!(
            DueCall,
            r#"SELECT bounty_id AS "bounty_id!", chain_bounty_id AS "chain_bounty_id!", kind AS "kind!",
                      analyst AS "analyst?"
               FROM (
                 SELECT b.id AS bounty_id, b.chain_bounty_id, 'resolve' AS kind, 0 AS rank,
                        NULL::bytea AS analyst
                 FROM bounty.bounties b
                 WHERE b.chain_bounty_id IS NOT NULL AND b.outcome IS NULL
                   AND b.reveal_deadline < to_timestamp(($1::bigint - $2::bigint)::double precision)
                 UNION ALL
                 SELECT b.id, b.chain_bounty_id, 'refund_creator', 1, NULL::bytea
                 FROM bounty.bounties b
                 WHERE b.chain_bounty_id IS NOT NULL AND b.outcome = 'invalid'
                   AND NOT EXISTS (SELECT 1 FROM bounty.lifecycle_inputs i
                                   WHERE i.bounty_id = b.id AND i.kind = 'creator_refunded')
                   AND EXISTS (SELECT 1 FROM bounty.lifecycle_inputs r
                               WHERE r.bounty_id = b.id AND r.kind = 'resolved'
                                 AND r.first_deadline < $1::bigint - $2::bigint)
                   AND (NOT EXISTS (SELECT 1 FROM bounty.lifecycle_inputs d
                                    WHERE d.bounty_id = b.id AND d.kind = 'dispute_opened'
                                      AND d.first_deadline >= $1::bigint - $2::bigint)
                        OR EXISTS (SELECT 1 FROM bounty.lifecycle_inputs x
                                   WHERE x.bounty_id = b.id AND x.kind = 'dispute_decided'))
                 UNION ALL
                 SELECT b.id, b.chain_bounty_id, 'slash_unrevealed', 2, c.analyst
                 FROM bounty.bounties b
                 JOIN bounty.lifecycle_inputs c ON c.bounty_id = b.id AND c.kind = 'committed'
                 WHERE b.chain_bounty_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM bounty.lifecycle_inputs r
                               WHERE r.bounty_id = b.id AND r.kind = 'resolved')
                   AND NOT EXISTS (SELECT 1 FROM bounty.lifecycle_inputs v
                                   WHERE v.bounty_id = b.id AND v.kind = 'revealed'
                                     AND v.analyst = c.analyst)
               ) due
               WHERE NOT EXISTS (SELECT 1 FROM bounty.transactions t
                                 WHERE t.bounty_id = due.bounty_id AND t.kind = due.kind
                                   AND (due.analyst IS NULL
                                        OR position(due.analyst IN t.calldata) > 0))
               ORDER BY rank, bounty_id
               LIMIT $3"#,
            now,
            grace,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// Queues `calls` on the relayer's queue in one transaction; each idempotent on its key, so
    /// replicas queueing the same call at once queue it once.
    pub async fn queue_calls(&self, calls: Vec<NewTransaction>) -> Result<usize, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let count = calls.len();
        for call in calls {
            Store::queue_transaction(&mut transaction, call).await?;
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(count)
    }
}
