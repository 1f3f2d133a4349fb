//! Schema `notification`'s webhook tables (migration `20261208140000_notification_webhooks`):
//! endpoints with their secrets, the message queue the delivery worker claims from, and the
//! per-attempt delivery log.
//!
//! Secrets are stored as their `whsec_` text, not encrypted: nexus-auth's envelope encryption
//! lives inside nexus-auth (not a shared crate), so this service has no key to encrypt with. They
//! are never logged and never answered after creation or rotation (docs/NOTIFICATIONS.md).

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use uuid::Uuid;

use crate::domain::notice::Notice;
use crate::error::NotificationError;
use crate::store::Store;
use crate::webhooks::payload;

/// Queues one message for `notice` per enabled endpoint of `notice.user_id` whose event-type
/// filter admits `notice.kind` (an empty filter admits every kind), due at once; returns how many
/// were queued. Runs on the caller's transaction (CORE's hand-off: the inbox row and the channel
/// queues commit together). Idempotent: a notice already queued for an endpoint is skipped.
/// Due at the database's `now()`: a test's manual clock must not run behind real time.
pub(crate) async fn enqueue_webhook_messages(
    conn: &mut sqlx::PgConnection,
    notice: &Notice,
) -> Result<u64, DbError> {
    let body = payload::body(notice);
    let result = sqlx::query!(
        r#"INSERT INTO notification.webhook_messages
               (id, endpoint_id, user_id, notice_id, event_type, body, next_attempt_at, created_at)
           SELECT gen_random_uuid(), e.id, e.user_id, $2, $3, $4, now(), now()
             FROM notification.webhook_endpoints e
            WHERE e.user_id = $1
              AND e.enabled
              AND (cardinality(e.event_types) = 0 OR $3 = ANY (e.event_types))
           ON CONFLICT (endpoint_id, notice_id) DO NOTHING"#,
        notice.user_id,
        notice.id,
        notice.kind.as_str(),
        body,
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// An endpoint as its owner sees it (no secret).
#[derive(Debug, Clone)]
pub struct EndpointRow {
    /// Its id.
    pub id: Uuid,
    /// Its owner.
    pub user_id: Uuid,
    /// Where messages are POSTed.
    pub url: String,
    /// The owner's note.
    pub description: String,
    /// Kinds delivered (empty: all).
    pub event_types: Vec<String>,
    /// Whether messages are delivered.
    pub enabled: bool,
    /// Why it was disabled by the service, if it was.
    pub disabled_reason: Option<String>,
    /// Start of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint's fields.
#[derive(Debug)]
pub struct NewEndpoint<'a> {
    /// Its id.
    pub id: Uuid,
    /// Its owner.
    pub user_id: Uuid,
    /// Checked URL.
    pub url: &'a str,
    /// Note.
    pub description: &'a str,
    /// Kind names.
    pub event_types: &'a [String],
    /// `whsec_` text.
    pub secret: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
    /// The per-user limit.
    pub max_per_user: i64,
}

/// A change to an endpoint (absent fields stay).
#[derive(Debug, Default)]
pub struct EndpointPatch {
    /// New URL (checked).
    pub url: Option<String>,
    /// New note.
    pub description: Option<String>,
    /// New filter.
    pub event_types: Option<Vec<String>>,
    /// Enable (clears the failure run) or disable.
    pub enabled: Option<bool>,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// Its id (the cursor).
    pub id: i64,
    /// The message.
    pub message_id: Uuid,
    /// The message's notice (its `webhook-id` is `msg_<notice id>`).
    pub notice_id: Uuid,
    /// The kind name.
    pub event_type: String,
    /// Attempt number in its cycle (1 = first).
    pub attempt: i32,
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// 2xx answered.
    pub delivered: bool,
    /// The HTTP status, if an answer came.
    pub status_code: Option<i32>,
    /// Why no answer came (a fetcher code) or why it counts as failed.
    pub error_code: Option<String>,
    /// Milliseconds until the answer or the failure.
    pub latency_ms: i32,
    /// Up to 1 KiB of the answer.
    pub response_excerpt: String,
}

/// A message the delivery worker claimed, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The message.
    pub id: Uuid,
    /// Its endpoint.
    pub endpoint_id: Uuid,
    /// The notice (`webhook-id` base).
    pub notice_id: Uuid,
    /// The frozen body.
    pub body: String,
    /// Attempts made in this cycle.
    pub attempts: i32,
    /// The lease it holds (the token its result is recorded under).
    pub lease_until: DateTime<Utc>,
    /// Where to.
    pub url: String,
    /// Current secret.
    pub secret: String,
    /// Rotated-out secret still signing, with its end.
    pub previous_secret: Option<String>,
    /// End of the overlap.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// The result of one attempt, as the worker saw it.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    /// 2xx.
    pub delivered: bool,
    /// HTTP status if any.
    pub status_code: Option<i32>,
    /// Failure code if any.
    pub error_code: Option<String>,
    /// Milliseconds.
    pub latency_ms: i32,
    /// ≤ 1 KiB.
    pub response_excerpt: String,
}

/// What recording an attempt changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Delivered.
    Delivered,
    /// Failed; retried at the schedule's next time.
    Retrying,
    /// Failed and the schedule is exhausted.
    GaveUp,
    /// Failed and the endpoint has failed long enough: disabled, its owner told.
    EndpointDisabled,
    /// The lease had passed to another worker: nothing recorded.
    LeaseLost,
}

/// What a replay found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Queued again, due now.
    Queued,
    /// No such message of the caller's.
    NotFound,
    /// Its endpoint is disabled.
    EndpointDisabled,
}

impl Store {
    /// Creates an endpoint unless its owner has `max_per_user` already (`None` then).
    pub async fn create_endpoint(
        &self,
        new: NewEndpoint<'_>,
    ) -> Result<Option<EndpointRow>, NotificationError> {
        let row = sqlx::query_as!(
            EndpointRow,
            r#"INSERT INTO notification.webhook_endpoints
                   (id, user_id, url, description, event_types, secret, created_at, updated_at)
               SELECT $1, $2, $3, $4, $5, $6, $7, $7
                WHERE (SELECT count(*) FROM notification.webhook_endpoints WHERE user_id = $2) < $8
               RETURNING id, user_id, url, description, event_types, enabled, disabled_reason,
                         failing_since, previous_secret_until, created_at, updated_at"#,
            new.id,
            new.user_id,
            new.url,
            new.description,
            new.event_types,
            new.secret,
            new.now,
            new.max_per_user,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(row)
    }

    /// The owner's endpoints after `after` (id order), at most `limit`.
    pub async fn endpoints(
        &self,
        user_id: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<EndpointRow>, NotificationError> {
        Ok(sqlx::query_as!(
            EndpointRow,
            r#"SELECT id, user_id, url, description, event_types, enabled, disabled_reason,
                      failing_since, previous_secret_until, created_at, updated_at
                 FROM notification.webhook_endpoints
                WHERE user_id = $1 AND ($2::uuid IS NULL OR id > $2)
                ORDER BY id LIMIT $3"#,
            user_id,
            after,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// The owner's endpoint `id` (another user's is `None`, like a missing one).
    pub async fn endpoint(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<Option<EndpointRow>, NotificationError> {
        Ok(sqlx::query_as!(
            EndpointRow,
            r#"SELECT id, user_id, url, description, event_types, enabled, disabled_reason,
                      failing_since, previous_secret_until, created_at, updated_at
                 FROM notification.webhook_endpoints WHERE id = $1 AND user_id = $2"#,
            id,
            user_id,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// Applies `patch` to the owner's endpoint; enabling clears the failure run and the reason.
    pub async fn update_endpoint(
        &self,
        user_id: Uuid,
        id: Uuid,
        patch: EndpointPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<EndpointRow>, NotificationError> {
        Ok(sqlx::query_as!(
            EndpointRow,
            r#"UPDATE notification.webhook_endpoints
                  SET url = COALESCE($3, url),
                      description = COALESCE($4, description),
                      event_types = COALESCE($5, event_types),
                      enabled = COALESCE($6, enabled),
                      disabled_reason = CASE WHEN $6 IS NULL THEN disabled_reason ELSE NULL END,
                      failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END,
                      updated_at = $7
                WHERE id = $1 AND user_id = $2
               RETURNING id, user_id, url, description, event_types, enabled, disabled_reason,
                         failing_since, previous_secret_until, created_at, updated_at"#,
            id,
            user_id,
            patch.url,
            patch.description,
            patch.event_types.as_deref(),
            patch.enabled,
            now,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// Deletes the owner's endpoint with its messages and log; false when there was none.
    pub async fn delete_endpoint(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<bool, NotificationError> {
        let result = sqlx::query!(
            "DELETE FROM notification.webhook_endpoints WHERE id = $1 AND user_id = $2",
            id,
            user_id,
        )
        .execute(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(result.rows_affected() == 1)
    }

    /// Makes `secret` the endpoint's signing secret; the one it replaces keeps signing until
    /// `overlap_until` (a rotation during an overlap drops the oldest).
    pub async fn rotate_secret(
        &self,
        user_id: Uuid,
        id: Uuid,
        secret: &str,
        overlap_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<EndpointRow>, NotificationError> {
        Ok(sqlx::query_as!(
            EndpointRow,
            r#"UPDATE notification.webhook_endpoints
                  SET previous_secret = secret, previous_secret_until = $4, secret = $3,
                      updated_at = $5
                WHERE id = $1 AND user_id = $2
               RETURNING id, user_id, url, description, event_types, enabled, disabled_reason,
                         failing_since, previous_secret_until, created_at, updated_at"#,
            id,
            user_id,
            secret,
            overlap_until,
            now,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// The endpoint's delivery log, newest first, attempts before `before` (an attempt id).
    pub async fn deliveries(
        &self,
        endpoint_id: Uuid,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AttemptRow>, NotificationError> {
        Ok(sqlx::query_as!(
            AttemptRow,
            r#"SELECT a.id, a.message_id, m.notice_id, m.event_type, a.attempt, a.attempted_at,
                      a.delivered, a.status_code, a.error_code, a.latency_ms, a.response_excerpt
                 FROM notification.webhook_attempts a
                 JOIN notification.webhook_messages m ON m.id = a.message_id
                WHERE a.endpoint_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
                ORDER BY a.id DESC LIMIT $3"#,
            endpoint_id,
            before,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// Queues the owner's message again, due at `now`, with a fresh cycle of the schedule (the
    /// same `webhook-id`: a receiver that has it already can drop it).
    pub async fn replay(
        &self,
        user_id: Uuid,
        message_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Replay, NotificationError> {
        let row = sqlx::query!(
            r#"WITH target AS (
                   SELECT m.id, e.enabled FROM notification.webhook_messages m
                     JOIN notification.webhook_endpoints e ON e.id = m.endpoint_id
                    WHERE m.id = $1 AND e.user_id = $2
               ), queued AS (
                   UPDATE notification.webhook_messages m
                      SET status = 'pending',
                          attempts = CASE WHEN m.status = 'pending' THEN m.attempts ELSE 0 END,
                          next_attempt_at = $3
                     FROM target t WHERE m.id = t.id AND t.enabled
                   RETURNING m.id
               )
               SELECT (SELECT enabled FROM target) AS enabled,
                      (SELECT count(*) FROM queued) AS "queued!""#,
            message_id,
            user_id,
            now,
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(match (row.enabled, row.queued) {
            (None, _) => Replay::NotFound,
            (Some(_), 0) => Replay::EndpointDisabled,
            _ => Replay::Queued,
        })
    }

    /// Claims up to `limit` due messages of enabled endpoints for `lease_until` (skipping rows
    /// another worker holds): a killed worker's claims come back when their lease runs out.
    pub async fn claim_webhook_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Claimed>, NotificationError> {
        Ok(sqlx::query_as!(
            Claimed,
            r#"WITH due AS (
                   SELECT m.id FROM notification.webhook_messages m
                     JOIN notification.webhook_endpoints e ON e.id = m.endpoint_id
                    WHERE m.status = 'pending' AND e.enabled AND m.next_attempt_at <= $1
                      AND (m.lease_until IS NULL OR m.lease_until <= $1)
                    ORDER BY m.next_attempt_at LIMIT $3
                      FOR UPDATE OF m SKIP LOCKED
               )
               UPDATE notification.webhook_messages m SET lease_until = $2
                 FROM due, notification.webhook_endpoints e
                WHERE m.id = due.id AND e.id = m.endpoint_id
               RETURNING m.id, m.endpoint_id, m.notice_id, m.body, m.attempts,
                         m.lease_until AS "lease_until!", e.url, e.secret, e.previous_secret,
                         e.previous_secret_until"#,
            now,
            lease_until,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?)
    }

    /// Records one attempt of a claimed message in one transaction: the log row, the message's
    /// next state (`next_attempt_at` = `None`: the schedule is exhausted) and the endpoint's
    /// failure run; an endpoint failing since before `disable_if_failing_since` is disabled and
    /// a `webhook.disabled` notice put in its owner's inbox in the same transaction.
    pub async fn record_attempt(
        &self,
        claimed: &Claimed,
        result: &AttemptResult,
        now: DateTime<Utc>,
        next_attempt_at: Option<DateTime<Utc>>,
        disable_if_failing_since: DateTime<Utc>,
    ) -> Result<Recorded, NotificationError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let status = if result.delivered {
            "delivered"
        } else if next_attempt_at.is_some() {
            "pending"
        } else {
            "failed"
        };
        let updated = sqlx::query!(
            r#"UPDATE notification.webhook_messages
                  SET status = $3, attempts = attempts + 1, lease_until = NULL,
                      next_attempt_at = COALESCE($4, next_attempt_at),
                      delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE delivered_at END
                WHERE id = $1 AND lease_until = $2 AND status = 'pending'
               RETURNING attempts"#,
            claimed.id,
            claimed.lease_until,
            status,
            next_attempt_at,
            now,
        )
        .fetch_optional(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let Some(updated) = updated else {
            return Ok(Recorded::LeaseLost);
        };
        sqlx::query!(
            r#"INSERT INTO notification.webhook_attempts
                   (message_id, endpoint_id, attempt, attempted_at, delivered, status_code,
                    error_code, latency_ms, response_excerpt)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
            claimed.id,
            claimed.endpoint_id,
            updated.attempts,
            now,
            result.delivered,
            result.status_code,
            result.error_code,
            result.latency_ms,
            result.response_excerpt,
        )
        .execute(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let outcome = if result.delivered {
            sqlx::query!(
                "UPDATE notification.webhook_endpoints SET failing_since = NULL
                  WHERE id = $1 AND failing_since IS NOT NULL",
                claimed.endpoint_id,
            )
            .execute(&mut *transaction)
            .await
            .map_err(DbError::from)?;
            Recorded::Delivered
        } else {
            let disabled = sqlx::query!(
                r#"UPDATE notification.webhook_endpoints
                      SET failing_since = COALESCE(failing_since, $2),
                          enabled = NOT (COALESCE(failing_since, $2) <= $3),
                          disabled_reason = CASE WHEN COALESCE(failing_since, $2) <= $3
                              THEN 'failing' ELSE disabled_reason END,
                          updated_at = $2
                    WHERE id = $1 AND enabled
                   RETURNING NOT enabled AS "disabled!", user_id, url"#,
                claimed.endpoint_id,
                now,
                disable_if_failing_since,
            )
            .fetch_optional(&mut *transaction)
            .await
            .map_err(DbError::from)?;
            match disabled {
                Some(row) if row.disabled => {
                    tell_disabled(
                        &mut transaction,
                        row.user_id,
                        claimed.endpoint_id,
                        &row.url,
                        now,
                    )
                    .await?;
                    Recorded::EndpointDisabled
                }
                _ if next_attempt_at.is_some() => Recorded::Retrying,
                _ => Recorded::GaveUp,
            }
        };
        transaction.commit().await.map_err(DbError::from)?;
        Ok(outcome)
    }

    /// Pending messages of enabled endpoints and the age of the oldest due one (seconds), for
    /// the queue metrics.
    pub async fn webhook_queue(&self, now: DateTime<Utc>) -> Result<(i64, f64), NotificationError> {
        let row = sqlx::query!(
            r#"SELECT count(*) AS "depth!",
                      COALESCE(EXTRACT(EPOCH FROM ($1 - min(m.created_at)))::float8, 0)
                          AS "oldest!"
                 FROM notification.webhook_messages m
                 JOIN notification.webhook_endpoints e ON e.id = m.endpoint_id
                WHERE m.status = 'pending' AND e.enabled"#,
            now,
        )
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok((row.depth, row.oldest.max(0.0)))
    }
}

/// The owner's `webhook.disabled` notice, written straight into the inbox table on the disabling
/// transaction (CORE's path takes source events, not one notice; see docs/NOTIFICATIONS.md). The
/// source event is the endpoint id with the time, so one disabling makes one notice.
async fn tell_disabled(
    connection: &mut sqlx::PgConnection,
    user_id: Uuid,
    endpoint_id: Uuid,
    url: &str,
    now: DateTime<Utc>,
) -> Result<(), NotificationError> {
    let data = serde_json::json!({ "endpoint_id": endpoint_id, "url": url });
    sqlx::query!(
        r#"INSERT INTO notification.notices
               (id, user_id, kind, title, body, link, data, source_event, occurred_at)
           VALUES ($1, $2, 'webhook.disabled', 'A webhook endpoint was disabled',
                   'Every delivery to ' || $3 || ' failed for days, so it was disabled. Fix the receiver, then enable the endpoint again.',
                   '/settings/webhooks', $4, $5, $6)
           ON CONFLICT DO NOTHING"#,
        Uuid::now_v7(),
        user_id,
        url,
        data,
        Uuid::now_v7(),
        now,
    )
    .execute(connection)
    .await
    .map_err(DbError::from)?;
    Ok(())
}

impl Store {
    /// Queues `notice`'s webhook messages in a transaction of its own: the hand-off
    /// [`enqueue_webhook_messages`] for a notice that does not come through a source event
    /// (tools, tests); returns how many were queued.
    pub async fn queue_webhook_messages(&self, notice: &Notice) -> Result<u64, NotificationError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let queued = enqueue_webhook_messages(&mut transaction, notice).await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok(queued)
    }
}
