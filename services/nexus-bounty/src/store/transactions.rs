//! The relayer's transaction queue, `bounty.transactions` (migration
//! `20261207153000_bounty_transactions.sql`), and the sender's lease.
//!
//! [`Store::queue_transaction`] takes the caller's connection, so the change that asks for a
//! call (a new bounty) and its job commit together. The sender's methods also take a connection:
//! the one holding its lease ([`Store::lease_connection`], [`Store::try_lock_relayer`]), so a
//! sender whose lease is gone (its session ended) cannot record a signed transaction, and as it
//! broadcasts only what it recorded, cannot send either.

use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes};
use nexus_db::DbError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;
use crate::error::BountyError;
use crate::relayer::fees::Fees;
use crate::relayer::job::{
    DueTransaction, InFlightTransaction, MinedRecord, NewTransaction, SignedRecord, TransactionId,
    TransactionStatus, TransactionView,
};

fn internal(what: &str) -> BountyError {
    BountyError::Internal(format!("bounty.transactions holds an invalid {what}"))
}

fn address(bytes: &[u8]) -> Result<Address, BountyError> {
    Address::try_from(bytes).map_err(|_| internal("address"))
}

fn hash(bytes: &[u8]) -> Result<B256, BountyError> {
    B256::try_from(bytes).map_err(|_| internal("hash"))
}

fn unsigned(value: i64, what: &str) -> Result<u64, BountyError> {
    u64::try_from(value).map_err(|_| internal(what))
}

fn signed(value: u64, what: &str) -> Result<i64, BountyError> {
    i64::try_from(value).map_err(|_| BountyError::Internal(format!("{what} {value} is too large")))
}

fn status(text: &str) -> Result<TransactionStatus, BountyError> {
    TransactionStatus::parse(text).ok_or_else(|| internal("status"))
}

impl Store {
    /// Queues `new` on `conn` (the caller's transaction, so the change asking for the call and
    /// the job commit together). Idempotent on the key: an intent queued before returns the
    /// existing job's id and queues nothing.
    #[tracing::instrument(skip_all, fields(kind = %new.kind))]
    pub async fn queue_transaction(
        conn: &mut PgConnection,
        new: NewTransaction,
    ) -> Result<TransactionId, BountyError> {
        let inserted = sqlx::query_scalar!(
            "INSERT INTO bounty.transactions \
             (id, kind, bounty_id, to_address, calldata, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING \
             RETURNING id",
            Uuid::now_v7(),
            new.kind,
            new.bounty_id,
            new.to.as_slice(),
            new.calldata.as_ref(),
            new.idempotency_key.as_slice(),
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(DbError::from)?;
        if let Some(id) = inserted {
            return Ok(TransactionId(id));
        }
        // The key exists (committed before this statement began, or by a transaction that
        // committed while the insert waited on it): a statement of its own sees it.
        let existing = sqlx::query_scalar!(
            "SELECT id FROM bounty.transactions WHERE idempotency_key = $1",
            new.idempotency_key.as_slice(),
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(DbError::from)?;
        Ok(TransactionId(existing))
    }

    /// [`Store::queue_transaction`] on a connection of its own, for a call queued with no other
    /// change (a scheduled resolve, a test).
    pub async fn queue(&self, new: NewTransaction) -> Result<TransactionId, BountyError> {
        let mut conn = self.pool().acquire().await.map_err(DbError::from)?;
        Self::queue_transaction(&mut conn, new).await
    }

    /// A bounty's relayed transactions, oldest first, as the API shows them.
    #[tracing::instrument(skip(self))]
    pub async fn bounty_transactions(
        &self,
        bounty_id: Uuid,
    ) -> Result<Vec<TransactionView>, BountyError> {
        self.transaction_views(None, Some(bounty_id)).await
    }

    /// One job as the API shows it.
    #[tracing::instrument(skip(self))]
    pub async fn transaction(
        &self,
        id: TransactionId,
    ) -> Result<Option<TransactionView>, BountyError> {
        Ok(self.transaction_views(Some(id.0), None).await?.pop())
    }

    /// The jobs with id `id` and/or of bounty `bounty_id`, oldest first.
    async fn transaction_views(
        &self,
        id: Option<Uuid>,
        bounty_id: Option<Uuid>,
    ) -> Result<Vec<TransactionView>, BountyError> {
        let rows = sqlx::query!(
            "SELECT id, kind, status, attempts, block_number, last_error, \
             coalesce(mined_tx_hash, tx_hashes[cardinality(tx_hashes)]) AS tx_hash \
             FROM bounty.transactions \
             WHERE ($1::uuid IS NULL OR id = $1) AND ($2::uuid IS NULL OR bounty_id = $2) \
             ORDER BY created_at, id",
            id,
            bounty_id,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        rows.into_iter()
            .map(|row| {
                Ok(TransactionView {
                    id: TransactionId(row.id),
                    kind: row.kind,
                    status: status(&row.status)?,
                    tx_hash: row.tx_hash.as_deref().map(hash).transpose()?,
                    block_number: row
                        .block_number
                        .map(|block| unsigned(block, "block number"))
                        .transpose()?,
                    attempts: u32::try_from(row.attempts).map_err(|_| internal("attempts"))?,
                    last_error: row.last_error,
                })
            })
            .collect()
    }

    /// A connection of its own (outside the pool, closed when dropped) for a sender's lease.
    pub async fn lease_connection(&self) -> Result<PgConnection, BountyError> {
        let pooled = self.pool().acquire().await.map_err(DbError::from)?;
        Ok(pooled.detach())
    }

    /// Takes the session-level advisory lock of `relayer` on `conn` if no other session holds
    /// it: `true` while this session is the relayer's one sender. The lock is released when the
    /// session ends (process killed included), so a dead sender never blocks the next.
    pub async fn try_lock_relayer(
        conn: &mut PgConnection,
        relayer: Address,
    ) -> Result<bool, BountyError> {
        let key = format!("nexus-bounty.relayer:{relayer:#x}");
        let locked = sqlx::query_scalar!(
            "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS \"locked!\"",
            key,
        )
        .fetch_one(conn)
        .await
        .map_err(DbError::from)?;
        Ok(locked)
    }

    /// Up to `limit` queued jobs whose next try is due, oldest first.
    pub async fn due_transactions(
        conn: &mut PgConnection,
        limit: u32,
    ) -> Result<Vec<DueTransaction>, BountyError> {
        let rows = sqlx::query!(
            "SELECT id, to_address, calldata, attempts FROM bounty.transactions \
             WHERE status = 'queued' AND next_attempt_at <= now() \
             ORDER BY created_at, id LIMIT $1",
            i64::from(limit),
        )
        .fetch_all(conn)
        .await
        .map_err(DbError::from)?;
        rows.into_iter()
            .map(|row| {
                Ok(DueTransaction {
                    id: TransactionId(row.id),
                    to: address(&row.to_address)?,
                    calldata: Bytes::from(row.calldata),
                    attempts: u32::try_from(row.attempts).map_err(|_| internal("attempts"))?,
                })
            })
            .collect()
    }

    /// Records the first signed transaction of a queued job (`sending`); `false` when the job
    /// is no longer queued (nothing may then be broadcast).
    pub async fn record_signed(
        conn: &mut PgConnection,
        id: TransactionId,
        signed_tx: &SignedRecord,
    ) -> Result<bool, BountyError> {
        let done = sqlx::query!(
            "UPDATE bounty.transactions SET status = 'sending', relayer_address = $2, \
             nonce = $3, gas_limit = $4, max_fee_per_gas = $5, max_priority_fee_per_gas = $6, \
             tx_hashes = array_append(tx_hashes, $7), signed_tx = $8, \
             last_sent_at = now(), updated_at = now() \
             WHERE id = $1 AND status = 'queued' AND nonce IS NULL",
            id.0,
            signed_tx.relayer.as_slice(),
            signed(signed_tx.nonce, "nonce")?,
            signed(signed_tx.gas_limit, "gas limit")?,
            signed(signed_tx.fees.max_fee_per_gas, "fee")?,
            signed(signed_tx.fees.max_priority_fee_per_gas, "tip")?,
            signed_tx.hash.as_slice(),
            signed_tx.raw.as_ref(),
        )
        .execute(conn)
        .await
        .map_err(DbError::from)?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a replacement (same nonce, higher fees) of an in-flight job (`sending` again);
    /// `false` when the job is not in flight with that nonce any more.
    pub async fn record_replacement(
        conn: &mut PgConnection,
        id: TransactionId,
        signed_tx: &SignedRecord,
    ) -> Result<bool, BountyError> {
        let done = sqlx::query!(
            "UPDATE bounty.transactions SET status = 'sending', \
             max_fee_per_gas = $3, max_priority_fee_per_gas = $4, \
             tx_hashes = array_append(tx_hashes, $5), signed_tx = $6, \
             last_sent_at = now(), updated_at = now() \
             WHERE id = $1 AND nonce = $2 AND status IN ('sending', 'sent')",
            id.0,
            signed(signed_tx.nonce, "nonce")?,
            signed(signed_tx.fees.max_fee_per_gas, "fee")?,
            signed(signed_tx.fees.max_priority_fee_per_gas, "tip")?,
            signed_tx.hash.as_slice(),
            signed_tx.raw.as_ref(),
        )
        .execute(conn)
        .await
        .map_err(DbError::from)?;
        Ok(done.rows_affected() == 1)
    }

    /// The node accepted the job's last signed transaction.
    pub async fn mark_sent(conn: &mut PgConnection, id: TransactionId) -> Result<(), BountyError> {
        sqlx::query!(
            "UPDATE bounty.transactions SET status = 'sent', updated_at = now() \
             WHERE id = $1 AND status = 'sending'",
            id.0,
        )
        .execute(conn)
        .await
        .map_err(DbError::from)?;
        Ok(())
    }

    /// Jobs whose transaction was mined, in one statement (one commit for a whole round's
    /// receipts): each `confirmed`, or `failed` with its error when it reverted.
    pub async fn mark_mined(
        conn: &mut PgConnection,
        mined: &[MinedRecord],
    ) -> Result<(), BountyError> {
        if mined.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = mined.iter().map(|record| record.id.0).collect();
        let hashes: Vec<Vec<u8>> = mined.iter().map(|record| record.tx_hash.to_vec()).collect();
        let blocks = mined
            .iter()
            .map(|record| signed(record.block, "block number"))
            .collect::<Result<Vec<i64>, _>>()?;
        let errors: Vec<Option<String>> = mined.iter().map(|record| record.error.clone()).collect();
        sqlx::query!(
            "UPDATE bounty.transactions AS job SET \
             status = CASE WHEN mined.error IS NULL THEN 'confirmed' ELSE 'failed' END, \
             mined_tx_hash = mined.tx_hash, block_number = mined.block, \
             last_error = coalesce(mined.error, job.last_error), signed_tx = NULL, \
             updated_at = now() \
             FROM unnest($1::uuid[], $2::bytea[], $3::int8[], $4::text[]) \
                  AS mined(id, tx_hash, block, error) \
             WHERE job.id = mined.id AND job.status IN ('sending', 'sent')",
            &ids,
            &hashes,
            &blocks,
            &errors as &[Option<String>],
        )
        .execute(conn)
        .await
        .map_err(DbError::from)?;
        Ok(())
    }

    /// A try failed in a way that may pass (the call reverted in estimation, the node refused
    /// the transaction): one more attempt counted, the next after `delay`, or `failed` with
    /// `error` once `max_attempts` are used. A job with a nonce whose transactions can never be
    /// mined (every broadcast refused, or the nonce taken by another transaction) goes back to
    /// `queued` without it; one that may still be mined keeps it. Returns the new status.
    pub async fn retry_later(
        conn: &mut PgConnection,
        id: TransactionId,
        error: &str,
        delay: Duration,
        max_attempts: u32,
        release_nonce: bool,
    ) -> Result<TransactionStatus, BountyError> {
        let row = sqlx::query_scalar!(
            "UPDATE bounty.transactions SET attempts = attempts + 1, last_error = $2, \
             next_attempt_at = now() + make_interval(secs => $3), updated_at = now(), \
             status = CASE WHEN attempts + 1 >= $4 AND (nonce IS NULL OR $5) THEN 'failed' \
                           WHEN $5 THEN 'queued' ELSE status END, \
             nonce = CASE WHEN $5 THEN NULL ELSE nonce END, \
             relayer_address = CASE WHEN $5 THEN NULL ELSE relayer_address END, \
             signed_tx = CASE WHEN $5 THEN NULL ELSE signed_tx END, \
             tx_hashes = CASE WHEN $5 THEN '{}' ELSE tx_hashes END \
             WHERE id = $1 RETURNING status",
            id.0,
            error,
            delay.as_secs_f64(),
            i32::try_from(max_attempts).unwrap_or(i32::MAX),
            release_nonce,
        )
        .fetch_one(conn)
        .await
        .map_err(DbError::from)?;
        status(&row)
    }

    /// `relayer`'s jobs signed with a nonce and not mined yet, by nonce.
    pub async fn in_flight_transactions(
        conn: &mut PgConnection,
        relayer: Address,
    ) -> Result<Vec<InFlightTransaction>, BountyError> {
        let rows = sqlx::query!(
            "SELECT id, status, nonce AS \"nonce!\", to_address, calldata, \
             gas_limit AS \"gas_limit!\", max_fee_per_gas AS \"max_fee_per_gas!\", \
             max_priority_fee_per_gas AS \"max_priority_fee_per_gas!\", tx_hashes, \
             signed_tx AS \"signed_tx!\", \
             extract(epoch FROM now() - last_sent_at)::float8 AS \"seconds_since_sent!\", \
             next_attempt_at <= now() AS \"due!\" \
             FROM bounty.transactions \
             WHERE relayer_address = $1 AND status IN ('sending', 'sent') ORDER BY nonce",
            relayer.as_slice(),
        )
        .fetch_all(conn)
        .await
        .map_err(DbError::from)?;
        rows.into_iter()
            .map(|row| {
                Ok(InFlightTransaction {
                    id: TransactionId(row.id),
                    status: status(&row.status)?,
                    nonce: unsigned(row.nonce, "nonce")?,
                    to: address(&row.to_address)?,
                    calldata: Bytes::from(row.calldata),
                    gas_limit: unsigned(row.gas_limit, "gas limit")?,
                    fees: Fees {
                        max_fee_per_gas: unsigned(row.max_fee_per_gas, "fee")?,
                        max_priority_fee_per_gas: unsigned(row.max_priority_fee_per_gas, "tip")?,
                    },
                    tx_hashes: row
                        .tx_hashes
                        .iter()
                        .map(|bytes| hash(bytes))
                        .collect::<Result<_, _>>()?,
                    raw: Bytes::from(row.signed_tx),
                    seconds_since_sent: row.seconds_since_sent,
                    due: row.due,
                })
            })
            .collect()
    }
}
