//! Earnings facts and the account's own views (`bounty.earnings`, `bounty.earnings_notifications`,
//! migration `20261207164000_bounty_earnings.sql`): the facts are written by the read model's
//! writer (`lifecycle.rs`) in the transaction of their envelope, each with an `EarningsChanged`
//! still to publish; the `earnings-notifier` worker publishes those once nexus-user names the
//! wallet's account.

use chrono::{DateTime, Utc};
use nexus_core::bounty::Account;
use nexus_db::DbError;
use nexus_proto::bounty_me::EarningsChanged;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;
use crate::domain::earnings::{Commitment, Fact, FactKind, SettledOutcome, StoredFact};
use crate::error::BountyError;

fn corrupt(what: &str) -> BountyError {
    BountyError::Internal(format!("bounty.earnings holds an invalid {what}"))
}

fn wei(text: Option<&str>, what: &str) -> Result<u128, BountyError> {
    text.and_then(|text| text.parse().ok())
        .ok_or_else(|| corrupt(what))
}

fn account(bytes: &[u8]) -> Result<Account, BountyError> {
    <[u8; 20]>::try_from(bytes).map_err(|_| corrupt("account"))
}

/// Stores `facts` of envelope `envelope_id` about bounty `bounty_id`, each with an
/// `EarningsChanged` to publish (`cause`); a fact already stored for the envelope is skipped.
pub(super) async fn insert_facts(
    connection: &mut PgConnection,
    bounty_id: Uuid,
    envelope_id: Uuid,
    facts: &[Fact],
    cause: &str,
) -> Result<(), BountyError> {
    for fact in facts {
        let (mut outcome, mut stake, mut payout, mut forfeited, mut slash, mut amount) =
            (None, 0u128, 0u128, 0u128, 0u128, 0u128);
        match fact.kind {
            FactKind::Settled {
                outcome: settled,
                stake: staked,
                payout: paid,
                forfeited: lost,
                slash: slashable,
            } => {
                outcome = Some(settled.as_str());
                (stake, payout, forfeited, slash) = (staked, paid, lost, slashable);
            }
            FactKind::Claimed(moved) | FactKind::Slashed(moved) | FactKind::Refunded(moved) => {
                amount = moved;
            }
        }
        sqlx::query!(
            "INSERT INTO bounty.earnings (envelope_id, bounty_id, account, kind, outcome, stake, \
             payout, forfeited, slash, amount, at) \
             VALUES ($1, $2, $3, $4, $5, $6::text::numeric, $7::text::numeric, \
             $8::text::numeric, $9::text::numeric, $10::text::numeric, $11) \
             ON CONFLICT (envelope_id, account, kind) DO NOTHING",
            envelope_id,
            bounty_id,
            fact.account.as_slice(),
            fact.kind.name(),
            outcome,
            stake.to_string(),
            payout.to_string(),
            forfeited.to_string(),
            slash.to_string(),
            amount.to_string(),
            fact.at,
        )
        .execute(&mut *connection)
        .await
        .map_err(DbError::from)?;
        notify(connection, fact.account, bounty_id, cause).await?;
    }
    Ok(())
}

/// Queues an `EarningsChanged` for `account`'s owner (published by the notifier).
async fn notify(
    connection: &mut PgConnection,
    account: Account,
    bounty_id: Uuid,
    cause: &str,
) -> Result<(), BountyError> {
    sqlx::query!(
        "INSERT INTO bounty.earnings_notifications (id, account, bounty_id, cause) \
         VALUES ($1, $2, $3, $4)",
        Uuid::now_v7(),
        account.as_slice(),
        bounty_id,
        cause,
    )
    .execute(&mut *connection)
    .await
    .map_err(DbError::from)?;
    Ok(())
}

/// Deletes the facts the `retracted` envelopes carried and queues an `EarningsChanged` for each
/// wallet they were about.
pub(super) async fn retract_facts(
    connection: &mut PgConnection,
    retracted: &[Uuid],
) -> Result<usize, BountyError> {
    let removed = sqlx::query!(
        "DELETE FROM bounty.earnings WHERE envelope_id = ANY($1) RETURNING bounty_id, account",
        retracted,
    )
    .fetch_all(&mut *connection)
    .await
    .map_err(DbError::from)?;
    let mut seen = std::collections::HashSet::new();
    for row in &removed {
        if seen.insert((row.bounty_id, row.account.clone())) {
            notify(
                connection,
                account(&row.account)?,
                row.bounty_id,
                "ChainEventsRetracted",
            )
            .await?;
        }
    }
    Ok(removed.len())
}

/// One of the account's assertions with what the chain said about it.
#[derive(Debug, Clone)]
pub struct MyAssertionRow {
    /// Position (the commitment input's seq), newest first.
    pub seq: i64,
    /// The bounty.
    pub bounty_id: Uuid,
    /// The contract's id.
    pub chain_bounty_id: Option<i64>,
    /// The wallet.
    pub analyst: Vec<u8>,
    /// Stake, wei.
    pub stake: String,
    /// Block time (unix seconds).
    pub committed_at: i64,
    /// Revealed verdict.
    pub verdict: Option<String>,
    /// The settlement in force: outcome, payout, forfeited.
    pub outcome: Option<String>,
    /// See `outcome`.
    pub payout: Option<String>,
    /// See `outcome`.
    pub forfeited: Option<String>,
    /// Qualifying stake slashed on this bounty, wei (none: nothing).
    pub slashed: Option<String>,
    /// Claimed.
    pub claimed: bool,
}

/// A pending `EarningsChanged`.
#[derive(Debug, Clone)]
pub struct PendingNotification {
    /// Its id.
    pub id: Uuid,
    /// The wallet.
    pub account: Vec<u8>,
    /// The bounty.
    pub bounty_id: Uuid,
    /// The chain event.
    pub cause: String,
    /// Tries so far (this one included).
    pub attempts: i32,
}

impl Store {
    /// Every earnings fact of `accounts`, in the order they were stored.
    pub async fn earnings_facts(
        &self,
        accounts: &[Vec<u8>],
    ) -> Result<Vec<StoredFact>, BountyError> {
        let rows = sqlx::query!(
            r#"SELECT bounty_id, account, kind, outcome, stake::text AS "stake!",
                      payout::text AS "payout!", forfeited::text AS "forfeited!",
                      slash::text AS "slash!", amount::text AS "amount!", at
               FROM bounty.earnings WHERE account = ANY($1) ORDER BY seq"#,
            accounts,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        rows.into_iter()
            .map(|row| {
                let amount = wei(Some(&row.amount), "amount")?;
                let kind = match row.kind.as_str() {
                    "settled" => FactKind::Settled {
                        outcome: row
                            .outcome
                            .as_deref()
                            .and_then(SettledOutcome::parse)
                            .ok_or_else(|| corrupt("outcome"))?,
                        stake: wei(Some(&row.stake), "stake")?,
                        payout: wei(Some(&row.payout), "payout")?,
                        forfeited: wei(Some(&row.forfeited), "forfeited")?,
                        slash: wei(Some(&row.slash), "slash")?,
                    },
                    "claimed" => FactKind::Claimed(amount),
                    "slashed" => FactKind::Slashed(amount),
                    "refunded" => FactKind::Refunded(amount),
                    _ => return Err(corrupt("kind")),
                };
                Ok(StoredFact {
                    bounty_id: row.bounty_id,
                    fact: Fact {
                        account: account(&row.account)?,
                        kind,
                        at: row.at,
                    },
                })
            })
            .collect()
    }

    /// Every commitment of `accounts`.
    pub async fn commitments_of(
        &self,
        accounts: &[Vec<u8>],
    ) -> Result<Vec<Commitment>, BountyError> {
        let rows = sqlx::query!(
            r#"SELECT bounty_id, analyst AS "analyst!", stake::text AS "stake!", at
               FROM bounty.lifecycle_inputs WHERE kind = 'committed' AND analyst = ANY($1)"#,
            accounts,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        rows.into_iter()
            .map(|row| {
                Ok(Commitment {
                    bounty_id: row.bounty_id,
                    account: account(&row.analyst)?,
                    stake: wei(Some(&row.stake), "stake")?,
                    at: DateTime::<Utc>::from_timestamp(row.at, 0)
                        .ok_or_else(|| corrupt("time"))?,
                })
            })
            .collect()
    }

    /// One page of `accounts`' assertions, newest commitment first, after `before` (a seq).
    pub async fn my_assertions(
        &self,
        accounts: &[Vec<u8>],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<MyAssertionRow>, BountyError> {
        let rows = sqlx::query_as!(
            MyAssertionRow,
            r#"SELECT c.seq, c.bounty_id, b.chain_bounty_id, c.analyst AS "analyst!",
                      c.stake::text AS "stake!", c.at AS committed_at,
                      r.verdict AS "verdict?", s.outcome AS "outcome?",
                      s.payout::text AS "payout?", s.forfeited::text AS "forfeited?",
                      x.slashed::text AS "slashed?",
                      EXISTS (SELECT 1 FROM bounty.lifecycle_inputs k
                              WHERE k.bounty_id = c.bounty_id AND k.kind = 'claimed'
                                AND k.analyst = c.analyst) AS "claimed!"
               FROM bounty.lifecycle_inputs c
               JOIN bounty.bounties b ON b.id = c.bounty_id
               LEFT JOIN LATERAL (
                   SELECT verdict FROM bounty.lifecycle_inputs v
                   WHERE v.bounty_id = c.bounty_id AND v.kind = 'revealed'
                     AND v.analyst = c.analyst
                   ORDER BY v.seq DESC LIMIT 1) r ON true
               LEFT JOIN LATERAL (
                   SELECT outcome, payout, forfeited FROM bounty.earnings e
                   WHERE e.bounty_id = c.bounty_id AND e.account = c.analyst
                     AND e.kind = 'settled'
                   ORDER BY e.seq DESC LIMIT 1) s ON true
               LEFT JOIN LATERAL (
                   SELECT sum(amount) AS slashed FROM bounty.earnings e
                   WHERE e.bounty_id = c.bounty_id AND e.account = c.analyst
                     AND e.kind = 'slashed') x ON true
               WHERE c.kind = 'committed' AND c.analyst = ANY($1)
                 AND ($2::bigint IS NULL OR c.seq < $2)
               ORDER BY c.seq DESC LIMIT $3"#,
            accounts,
            before,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// Up to `limit` due notifications, leased for `lease` (other replicas skip them meanwhile;
    /// a crashed worker's lease simply runs out).
    pub async fn lease_notifications(
        &self,
        limit: i64,
        lease: std::time::Duration,
    ) -> Result<Vec<PendingNotification>, BountyError> {
        let lease = f64::from(u32::try_from(lease.as_millis()).unwrap_or(u32::MAX)) / 1_000.0;
        let rows = sqlx::query_as!(
            PendingNotification,
            "UPDATE bounty.earnings_notifications \
             SET attempts = attempts + 1, \
                 next_attempt_at = now() + make_interval(secs => $2) \
             WHERE id IN (SELECT id FROM bounty.earnings_notifications \
                          WHERE next_attempt_at <= now() ORDER BY next_attempt_at, id \
                          LIMIT $1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, account, bounty_id, cause, attempts",
            limit,
            lease,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// Publishes `event` for notification `id` and removes it, in one transaction; false when
    /// another worker did it first.
    pub async fn publish_notification(
        &self,
        id: Uuid,
        event: Option<EarningsChanged>,
    ) -> Result<bool, BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let removed = sqlx::query!(
            "DELETE FROM bounty.earnings_notifications WHERE id = $1",
            id
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?
        .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        if let Some(event) = event {
            self.outbox()
                .enqueue_event(&mut transaction, event, None)
                .await?;
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(true)
    }

    /// Notification `id` waits `delay` before its next try; `error` says why.
    pub async fn defer_notification(
        &self,
        id: Uuid,
        delay: std::time::Duration,
        error: &str,
    ) -> Result<(), BountyError> {
        let delay = f64::from(u32::try_from(delay.as_millis()).unwrap_or(u32::MAX)) / 1_000.0;
        sqlx::query!(
            "UPDATE bounty.earnings_notifications \
             SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 \
             WHERE id = $1",
            id,
            delay,
            error,
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(())
    }

    /// How many notifications wait (tests and metrics).
    pub async fn pending_notifications(&self) -> Result<i64, BountyError> {
        let count = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM bounty.earnings_notifications"#
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(count)
    }
}
