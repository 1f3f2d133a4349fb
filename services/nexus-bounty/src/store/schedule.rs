//! The scheduler's reads and writes: bounties whose next step is a call anyone may make
//! (`resolve` after the reveal window, `refundCreator` once an Invalid outcome is final,
//! `payTreasury` once any outcome with a treasury part is final, `slashUnrevealed` for each
//! analyst who committed and never revealed once the bounty is resolved), accounts whose unstake
//! cooldown is over (`withdrawUnstakedFor`), the queueing of those calls on the relayer's queue,
//! and the confirmed facts they depend on that move no life cycle (`TreasuryPaid`,
//! `UnstakeRequested`; migration `20261207202000_bounty_settlement_jobs.sql`).

use nexus_core::bounty::LifecycleError;
use nexus_db::DbError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;
use super::lifecycle::{ChainApplied, OffCycle};
use crate::domain::chain_events::SettlementRecord;
use crate::error::BountyError;
use crate::relayer::{NewTransaction, TransactionId};

/// A call the scheduler should queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCall {
    /// The platform's bounty id.
    pub bounty_id: Uuid,
    /// The contract's bounty id.
    pub chain_bounty_id: i64,
    /// `resolve`, `refund_creator`, `pay_treasury` or `slash_unrevealed` (the relayer job's
    /// kind).
    pub kind: String,
    /// The analyst to slash (20 bytes), for `slash_unrevealed`.
    pub analyst: Option<Vec<u8>>,
}

/// A cooled-down unstake nobody asked to release yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueWithdrawal {
    /// The account (20 bytes).
    pub account: Vec<u8>,
    /// The cooldown's end, unix seconds.
    pub unlock_time: i64,
}

/// What storing a [`SettlementRecord`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The envelope was stored before: nothing changed.
    Duplicate,
    /// A treasury payment of a bounty created outside the platform: skipped.
    UnknownBounty,
    /// Stored.
    Stored,
}

/// An account's unstake as its latest confirmed `UnstakeRequested` left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnstakeState {
    /// Wei cooling down (decimal).
    pub total_unstaking: String,
    /// The cooldown's end, unix seconds.
    pub unlock_time: i64,
    /// The `withdraw_unstaked` job asked for this cooldown, if one was.
    pub withdrawal: Option<Uuid>,
}

fn signed(value: u64) -> Result<i64, BountyError> {
    i64::try_from(value).map_err(|_| BountyError::Internal(format!("{value} exceeds bigint")))
}

impl Store {
    /// The moment the scheduler judges deadlines by, unix seconds: the newest confirmed block's
    /// time (the clock the contract checks; `bounty.chain_clock`), or the wall clock `now` less
    /// `grace` seconds when that is later (the chain clock is not moved without a reachable
    /// chain, and a block's time may lag the wall clock: the contract refuses an early call).
    pub async fn schedule_cutoff(&self, now: i64, grace: i64) -> Result<i64, BountyError> {
        let clock = sqlx::query_scalar!("SELECT block_time FROM bounty.chain_clock")
            .fetch_optional(self.pool())
            .await
            .map_err(DbError::from)?;
        Ok(clock.unwrap_or(0).max(now.saturating_sub(grace)))
    }

    /// Up to `limit` calls due at `cutoff` (unix seconds, [`Store::schedule_cutoff`]) that no
    /// job of the same kind was queued for yet: `resolve` for bounties on chain without an
    /// outcome whose reveal deadline is past; for *final* bounties (resolved, the dispute
    /// window past, and any dispute decided or its arbitration window past) `refund_creator`
    /// when Invalid and the creator was not refunded, and `pay_treasury` when the treasury part
    /// of the final outcome's settlement is above 0 and no `TreasuryPaid` of `payTreasury` was
    /// confirmed; and `slash_unrevealed` for every analyst of a resolved bounty who committed
    /// and never revealed (one job per analyst: a job of that kind for the bounty whose
    /// calldata names the analyst counts as queued). Resolutions first.
    pub async fn due_calls(&self, cutoff: i64, limit: i64) -> Result<Vec<DueCall>, BountyError> {
        let rows = sqlx::query_as!(
            DueCall,
            r#"WITH settled AS (
                 SELECT b.id, b.chain_bounty_id, b.outcome
                 FROM bounty.bounties b
                 WHERE b.chain_bounty_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM bounty.lifecycle_inputs r
                               WHERE r.bounty_id = b.id AND r.kind = 'resolved'
                                 AND r.first_deadline < $1::bigint)
                   AND (NOT EXISTS (SELECT 1 FROM bounty.lifecycle_inputs d
                                    WHERE d.bounty_id = b.id AND d.kind = 'dispute_opened'
                                      AND d.first_deadline >= $1::bigint)
                        OR EXISTS (SELECT 1 FROM bounty.lifecycle_inputs x
                                   WHERE x.bounty_id = b.id AND x.kind = 'dispute_decided'))
               )
               SELECT bounty_id AS "bounty_id!", chain_bounty_id AS "chain_bounty_id!", kind AS "kind!",
                      analyst AS "analyst?"
               FROM (
                 SELECT b.id AS bounty_id, b.chain_bounty_id, 'resolve' AS kind, 0 AS rank,
                        NULL::bytea AS analyst
                 FROM bounty.bounties b
                 WHERE b.chain_bounty_id IS NOT NULL AND b.outcome IS NULL
                   AND b.reveal_deadline < to_timestamp($1::bigint::double precision)
                 UNION ALL
                 SELECT s.id, s.chain_bounty_id, 'refund_creator', 1, NULL::bytea
                 FROM settled s
                 WHERE s.outcome = 'invalid'
                   AND NOT EXISTS (SELECT 1 FROM bounty.lifecycle_inputs i
                                   WHERE i.bounty_id = s.id AND i.kind = 'creator_refunded')
                 UNION ALL
                 SELECT s.id, s.chain_bounty_id, 'pay_treasury', 2, NULL::bytea
                 FROM settled s
                 WHERE NOT EXISTS (SELECT 1 FROM bounty.treasury_payments p
                                   WHERE p.bounty_id = s.id)
                   AND (SELECT t.treasury_amount FROM bounty.lifecycle_inputs t
                        WHERE t.bounty_id = s.id AND t.kind IN ('resolved', 'dispute_decided')
                        ORDER BY t.seq DESC LIMIT 1) > 0
                 UNION ALL
                 SELECT b.id, b.chain_bounty_id, 'slash_unrevealed', 3, c.analyst
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
               LIMIT $2"#,
            cutoff,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// Up to `limit` accounts whose latest unstake request's cooldown ended by `cutoff` (unix
    /// seconds) with something cooling down, and no withdrawal asked for that cooldown yet.
    pub async fn due_withdrawals(
        &self,
        cutoff: i64,
        limit: i64,
    ) -> Result<Vec<DueWithdrawal>, BountyError> {
        let rows = sqlx::query_as!(
            DueWithdrawal,
            r#"SELECT l.account AS "account!", l.unlock_time AS "unlock_time!"
               FROM (SELECT DISTINCT ON (account) account, total_unstaking, unlock_time
                     FROM bounty.unstake_requests
                     ORDER BY account, block_number DESC, log_index DESC) l
               WHERE l.total_unstaking > 0 AND l.unlock_time <= $1
                 AND NOT EXISTS (SELECT 1 FROM bounty.unstake_withdrawals w
                                 WHERE w.account = l.account AND w.unlock_time = l.unlock_time)
               ORDER BY l.unlock_time, l.account
               LIMIT $2"#,
            cutoff,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// `account`'s unstake as its latest confirmed request left it; `None` when it never asked.
    pub async fn latest_unstake(
        &self,
        account: &[u8],
    ) -> Result<Option<UnstakeState>, BountyError> {
        let row = sqlx::query_as!(
            UnstakeState,
            r#"SELECT r.total_unstaking::text AS "total_unstaking!", r.unlock_time,
                      w.transaction_id AS "withdrawal?"
               FROM bounty.unstake_requests r
               LEFT JOIN bounty.unstake_withdrawals w
                 ON w.account = r.account AND w.unlock_time = r.unlock_time
               WHERE r.account = $1
               ORDER BY r.block_number DESC, r.log_index DESC
               LIMIT 1"#,
            account,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(row)
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

    /// Queues the `withdrawUnstakedFor` `call` releasing `account`'s cooldown ending at
    /// `unlock_time` and records it as that cooldown's withdrawal, in one transaction; the key
    /// names the cooldown, so the scheduler, its replicas and the API asking for the same one
    /// share one job, which is returned.
    pub async fn queue_withdrawal(
        &self,
        account: &[u8],
        unlock_time: i64,
        call: NewTransaction,
    ) -> Result<TransactionId, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let id = Store::queue_transaction(&mut transaction, call).await?;
        sqlx::query!(
            "INSERT INTO bounty.unstake_withdrawals (account, unlock_time, transaction_id) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            account,
            unlock_time,
            id.0,
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(id)
    }

    /// Stores a confirmed [`SettlementRecord`] once per envelope (`consumer`'s inbox): a
    /// treasury payment for its bounty (a bounty created outside the platform is skipped; one
    /// whose `BountyOpened` was not applied yet is `Ok(Err(NotOnChain))` and records nothing,
    /// so a later delivery stores it), an unstake request for its account.
    pub async fn apply_settlement_record(
        &self,
        consumer: &str,
        envelope_id: Uuid,
        record: SettlementRecord,
    ) -> Result<Result<Recorded, LifecycleError>, BountyError> {
        let recorded = |done: Result<ChainApplied, LifecycleError>| {
            done.map(|applied| match applied {
                ChainApplied::Duplicate => Recorded::Duplicate,
                ChainApplied::UnknownBounty => Recorded::UnknownBounty,
                ChainApplied::Applied { .. } => Recorded::Stored,
            })
        };
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        match record {
            SettlementRecord::TreasuryPaid {
                chain_bounty_id,
                amount,
                at,
            } => {
                let bounty_id = match self
                    .off_cycle_target(&mut transaction, consumer, envelope_id, chain_bounty_id)
                    .await?
                {
                    OffCycle::Bounty(bounty_id) => bounty_id,
                    OffCycle::Skipped(done) => return Ok(recorded(done)),
                    OffCycle::SkippedCommitted(done) => {
                        transaction.commit().await.map_err(DbError::from)?;
                        return Ok(recorded(done));
                    }
                };
                sqlx::query!(
                    "INSERT INTO bounty.treasury_payments (bounty_id, amount, at, envelope_id) \
                     VALUES ($1, $2::text::numeric, $3, $4) ON CONFLICT DO NOTHING",
                    bounty_id,
                    amount.to_string(),
                    signed(at)?,
                    envelope_id,
                )
                .execute(&mut *transaction)
                .await
                .map_err(DbError::from)?;
            }
            SettlementRecord::UnstakeRequested(request) => {
                if !self
                    .inbox()
                    .record_once(&mut transaction, consumer, envelope_id)
                    .await?
                {
                    return Ok(Ok(Recorded::Duplicate));
                }
                sqlx::query!(
                    "INSERT INTO bounty.unstake_requests (envelope_id, account, amount, \
                     total_unstaking, unlock_time, block_number, log_index) \
                     VALUES ($1, $2, $3::text::numeric, $4::text::numeric, $5, $6, $7) \
                     ON CONFLICT DO NOTHING",
                    envelope_id,
                    request.account.as_slice(),
                    request.amount.to_string(),
                    request.total_unstaking.to_string(),
                    signed(request.unlock_time)?,
                    signed(request.block_number)?,
                    signed(request.log_index)?,
                )
                .execute(&mut *transaction)
                .await
                .map_err(DbError::from)?;
            }
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(Ok(Recorded::Stored))
    }
}

/// Deletes the settlement records `retracted` envelopes carried (a reorganisation took their
/// logs back), in the caller's transaction. A withdrawal already asked for stays recorded: its
/// job is on the queue, and the contract refuses it if nothing cools down any more.
pub(super) async fn retract_records(
    connection: &mut PgConnection,
    retracted: &[Uuid],
) -> Result<(), BountyError> {
    sqlx::query!(
        "DELETE FROM bounty.treasury_payments WHERE envelope_id = ANY($1)",
        retracted,
    )
    .execute(&mut *connection)
    .await
    .map_err(DbError::from)?;
    sqlx::query!(
        "DELETE FROM bounty.unstake_requests WHERE envelope_id = ANY($1)",
        retracted,
    )
    .execute(&mut *connection)
    .await
    .map_err(DbError::from)?;
    Ok(())
}
