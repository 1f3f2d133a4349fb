//! The e-mail queue (`notification.email_messages`, `notification.email_digest_items`,
//! `notification.email_addresses`; migration `20261208150000_notification_email.sql`).
//!
//! [`enqueue_email`] is the hand-off from the notice pipeline: it runs on the caller's
//! transaction, so a notice's mail exists if and only if the notice does. The sender
//! ([`crate::email`]) claims due rows with `FOR UPDATE SKIP LOCKED` and a lease; every change of
//! a row after the claim is one statement or one transaction here.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Store;
use crate::domain::notice::Notice;
use crate::error::NotificationError;

/// Queues the e-mail for `notice` on the caller's transaction: one mail now (`digest` false), or
/// a pending item of the user's next daily digest (`digest` true). Idempotent on the notice id: a
/// notice already queued is not queued twice.
#[allow(
    dead_code,
    reason = "called by the notice pipeline (events.rs) as it lands"
)]
pub(crate) async fn enqueue_email(
    conn: &mut PgConnection,
    notice: &Notice,
    digest: bool,
) -> Result<(), DbError> {
    let payload = serde_json::to_value(notice)
        .map_err(|error| DbError::Query(sqlx::Error::Encode(Box::new(error))))?;
    if digest {
        sqlx::query!(
            "INSERT INTO notification.email_digest_items (notice_id, user_id, notice, created_at) \
             VALUES ($1, $2, $3, now()) ON CONFLICT (notice_id) DO NOTHING",
            notice.id,
            notice.user_id,
            payload,
        )
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query!(
            "INSERT INTO notification.email_messages \
             (id, notice_id, kind, user_id, payload, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, now(), now()) ON CONFLICT (notice_id) DO NOTHING",
            Uuid::now_v7(),
            notice.id,
            notice.kind.as_str(),
            notice.user_id,
            payload,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A mail claimed by the sender (status `sending` under its lease).
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    /// The mail's id (also the Message-ID's local part).
    pub id: Uuid,
    /// `notice`'s kind name, or another mail kind.
    pub kind: String,
    /// The recipient account.
    pub user_id: Uuid,
    /// The address, when it was fixed at enqueue time.
    pub to_address: Option<String>,
    /// What the templates render (a [`Notice`] for a notice mail).
    pub payload: serde_json::Value,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// How one attempt ended, as the queue records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailOutcome {
    /// Accepted by the SMTP server.
    Sent,
    /// Not sent, tried again at the given time (an attempt counted when `counted`).
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Whether it counts against `max_attempts` (a rate-limit deferral does not).
        counted: bool,
    },
    /// Given up (attempts exhausted, invalid mail, suppressed address).
    Failed,
    /// Refused for good by the SMTP server: the address's bounce count grows.
    Bounced,
}

impl Store {
    /// Queues `notice`'s e-mail in a transaction of its own (what [`enqueue_email`] does on the
    /// notice pipeline's transaction), for operators and tests.
    pub async fn queue_email(
        &self,
        notice: &Notice,
        digest: bool,
    ) -> Result<(), NotificationError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        enqueue_email(&mut transaction, notice, digest).await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// Claims up to `limit` mails due at `now` (queued and due, or sending with a lapsed lease)
    /// until `lease_until`; concurrent senders skip each other's rows.
    pub async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedEmail>, NotificationError> {
        let rows = sqlx::query!(
            "UPDATE notification.email_messages SET status = 'sending', lease_until = $2 \
             WHERE id IN (SELECT id FROM notification.email_messages \
                          WHERE (status = 'queued' AND next_attempt_at <= $1) \
                             OR (status = 'sending' AND lease_until <= $1) \
                          ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, user_id, to_address, payload, attempts",
            now,
            lease_until,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows
            .into_iter()
            .map(|row| ClaimedEmail {
                id: row.id,
                kind: row.kind,
                user_id: row.user_id,
                to_address: row.to_address,
                payload: row.payload,
                attempts: row.attempts,
            })
            .collect())
    }

    /// Mails sent to `address` since `since`, and the oldest of those sends (the per-recipient
    /// rate limit: the next send is allowed an hour after the oldest one in the window).
    pub async fn email_sends_since(
        &self,
        address: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), NotificationError> {
        let row = sqlx::query!(
            "SELECT count(*) AS \"count!\", min(sent_at) AS oldest FROM notification.email_messages \
             WHERE status = 'sent' AND to_address = $1 AND sent_at > $2",
            address,
            since,
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok((row.count, row.oldest))
    }

    /// Records how the attempt on `email` (sent to `address`) ended, in one transaction: the
    /// mail's row, and for a bounce the address's count (suppressed at `max_bounces`).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_email(
        &self,
        email: &ClaimedEmail,
        address: Option<&str>,
        outcome: EmailOutcome,
        error: Option<&str>,
        message_id: &str,
        now: DateTime<Utc>,
        max_bounces: i32,
    ) -> Result<(), NotificationError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let (status, next_at, counted) = match outcome {
            EmailOutcome::Sent => ("sent", now, true),
            EmailOutcome::Retry { at, counted } => ("queued", at, counted),
            EmailOutcome::Failed => ("failed", now, true),
            EmailOutcome::Bounced => ("bounced", now, true),
        };
        let error: Option<String> = error.map(|text| text.chars().take(1000).collect());
        sqlx::query!(
            "UPDATE notification.email_messages SET status = $2::text, next_attempt_at = $3, \
             lease_until = NULL, attempts = attempts + $4, last_error = $5, to_address = $6, \
             sent_at = CASE WHEN $2::text = 'sent' THEN $7::timestamptz END, \
             message_id = CASE WHEN $2::text = 'sent' THEN $8::text ELSE message_id END \
             WHERE id = $1 AND status = 'sending'",
            email.id,
            status,
            next_at,
            i32::from(counted),
            error,
            address,
            now,
            message_id,
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        if let (EmailOutcome::Bounced, Some(address)) = (outcome, address) {
            sqlx::query!(
                "INSERT INTO notification.email_addresses \
                 (address, bounces, last_bounce_at, last_bounce_error, suppressed_at) \
                 VALUES ($1, 1, $2::timestamptz, $3, CASE WHEN 1 >= $4::int THEN $2::timestamptz END) \
                 ON CONFLICT (address) DO UPDATE SET bounces = email_addresses.bounces + 1, \
                 last_bounce_at = $2::timestamptz, last_bounce_error = $3, \
                 suppressed_at = COALESCE(email_addresses.suppressed_at, \
                     CASE WHEN email_addresses.bounces + 1 >= $4::int THEN $2::timestamptz END)",
                address,
                now,
                error,
                max_bounces,
            )
            .execute(&mut *transaction)
            .await
            .map_err(DbError::from)?;
        }
        transaction.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// Mails waiting (queued or sending) and the age of the oldest at `now`, in seconds.
    pub async fn email_queue_depth(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(i64, f64), NotificationError> {
        let row = sqlx::query!(
            "SELECT count(*) AS \"depth!\", min(created_at) AS oldest \
             FROM notification.email_messages WHERE status IN ('queued', 'sending')",
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        let age = row
            .oldest
            .map(|oldest| (now - oldest).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0);
        Ok((row.depth, age))
    }

    /// The bounce count of `address` and whether it is suppressed.
    pub async fn email_address_bounces(
        &self,
        address: &str,
    ) -> Result<(i32, bool), NotificationError> {
        let row = sqlx::query!(
            "SELECT bounces, suppressed_at IS NOT NULL AS \"suppressed!\" \
             FROM notification.email_addresses WHERE address = $1",
            address,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(row
            .map(|row| (row.bounces, row.suppressed))
            .unwrap_or((0, false)))
    }
}

impl Store {
    /// Collects every user's digest items created before `cutoff` into one digest mail per user
    /// for `day` (the items of a user who already has that day's digest wait for the next one),
    /// in one statement; returns how many digests were queued.
    pub async fn collect_digests(
        &self,
        cutoff: DateTime<Utc>,
        day: chrono::NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<u64, NotificationError> {
        let queued = sqlx::query_scalar!(
            "WITH pending AS ( \
                 SELECT user_id, jsonb_agg(notice ORDER BY created_at, notice_id) AS notices \
                 FROM notification.email_digest_items \
                 WHERE digest_id IS NULL AND created_at < $1 GROUP BY user_id), \
             queued AS ( \
                 INSERT INTO notification.email_messages \
                 (id, kind, user_id, digest_day, payload, next_attempt_at, created_at) \
                 SELECT gen_random_uuid(), 'digest', user_id, $2, notices, $3, $3 FROM pending \
                 ON CONFLICT (user_id, digest_day) DO NOTHING RETURNING id, user_id), \
             marked AS ( \
                 UPDATE notification.email_digest_items i SET digest_id = queued.id FROM queued \
                 WHERE i.user_id = queued.user_id AND i.digest_id IS NULL AND i.created_at < $1 \
                 RETURNING i.notice_id) \
             SELECT count(*) AS \"count!\" FROM queued",
            cutoff,
            day,
            now,
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(u64::try_from(queued).unwrap_or(0))
    }
}

impl Store {
    /// Queues the mail of password reset `reset_id` to `address` (the address the reset was
    /// asked for); a reset already queued is not queued twice (the consumer is idempotent on
    /// it). The token is not stored: the sender asks nexus-user for it just before sending.
    pub async fn queue_password_reset(
        &self,
        reset_id: &str,
        user_id: Uuid,
        address: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), NotificationError> {
        let payload = serde_json::json!({ "reset_id": reset_id, "expires_at": expires_at });
        sqlx::query!(
            "INSERT INTO notification.email_messages \
             (id, kind, user_id, reset_id, to_address, payload, next_attempt_at, created_at) \
             VALUES ($1, 'password_reset', $2, $3, $4, $5, now(), now()) \
             ON CONFLICT (reset_id) DO NOTHING",
            Uuid::now_v7(),
            user_id,
            reset_id,
            address,
            payload,
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(())
    }
}
