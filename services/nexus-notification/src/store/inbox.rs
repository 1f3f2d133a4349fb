//! A source event's notices, and the inbox reads.
//!
//! [`Store::apply`] is the one write path of every consumer: in ONE transaction it records the
//! envelope in the bus inbox (a redelivery stops there), follows an upload for a user who follows
//! their uploads, compares a file's new verdict with the last one known, resolves each audience
//! (users named by the event, a file's followers, the analysts whose interests match) and tells
//! them: per draft, one statement inserts every recipient's inbox row (`INSERT ... SELECT` over
//! `UNNEST`, with the preferences joined in) and its `NoticeCreated` outbox event, whatever the
//! number of recipients; then the recipients whose choice includes e-mail or a webhook endpoint
//! are handed to those channels' queues on the same transaction (`enqueue_email`,
//! `enqueue_webhook_messages`). So a notice exists in every channel or in none, once.

use chrono::{DateTime, SecondsFormat, Utc};
use nexus_db::outbox::OUTBOX_CHANNEL;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{SCHEMA, Store, db, email, follows, webhooks};
use crate::domain::notice::{Channel, Notice, NoticeKind};
use crate::domain::preferences;
use crate::domain::sources::{Draft, VerdictNews, verdict_changed};
use crate::error::NotificationError;

/// Who a draft is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// These accounts.
    Users(Vec<Uuid>),
    /// Every follower of the file (lower-case hex SHA-256).
    Followers(String),
    /// The analysts whose bounty interests include this artifact kind and reward (wei).
    Interested {
        /// `file`, `url`, `contract`.
        artifact_kind: String,
        /// The bounty's reward, wei (decimal).
        reward: String,
    },
}

/// What one source event does.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Each draft and whom it is for.
    pub notices: Vec<(Draft, Audience)>,
    /// A verdict the event gives a file: stored, and when it differs from the last one known,
    /// every follower is told (`file.verdict_changed`).
    pub verdict: Option<VerdictNews>,
    /// `(user, sha256)`: the user uploaded the file; followed if they follow their uploads.
    pub upload: Option<(Uuid, String)>,
}

/// What [`Store::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The envelope had been applied before: nothing was done.
    pub duplicate: bool,
    /// Notices per kind and channel.
    pub counts: Vec<(NoticeKind, Channel, u64)>,
}

impl Delivered {
    /// Notices of `kind` put on `channel`.
    pub fn count(&self, kind: NoticeKind, channel: Channel) -> u64 {
        self.counts
            .iter()
            .filter(|(k, c, _)| *k == kind && *c == channel)
            .map(|(_, _, n)| n)
            .sum()
    }
}

/// A notice as the inbox reads it.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    /// Its id.
    pub id: Uuid,
    /// Its kind's dotted name.
    pub kind: String,
    /// One line.
    pub title: String,
    /// The text.
    pub body: String,
    /// The dashboard path.
    pub link: Option<String>,
    /// The details.
    pub data: serde_json::Value,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was read.
    pub read_at: Option<DateTime<Utc>>,
}

/// A recipient whose notice also goes to the mail or a webhook.
#[derive(Debug, Deserialize)]
struct Handoff {
    notice_id: Uuid,
    user_id: Uuid,
    email: bool,
    digest: bool,
    webhook: bool,
}

impl Store {
    /// Applies `plan` for envelope `envelope_id` of `consumer`, once (module docs).
    pub async fn apply(
        &self,
        consumer: &str,
        envelope_id: Uuid,
        occurred_at: DateTime<Utc>,
        plan: &Plan,
    ) -> Result<Delivered, NotificationError> {
        let mut transaction = self.pool().begin().await.map_err(db)?;
        if !self
            .inbox()
            .record_once(&mut transaction, consumer, envelope_id)
            .await?
        {
            return Ok(Delivered {
                duplicate: true,
                counts: Vec::new(),
            });
        }
        if let Some((user_id, sha256)) = &plan.upload {
            follows::follow_upload(&mut transaction, *user_id, sha256).await?;
        }
        let mut notices = plan.notices.clone();
        if let Some(news) = &plan.verdict {
            let old =
                follows::record_verdict(&mut transaction, news, envelope_id, occurred_at).await?;
            if let Some(old) = old.filter(|old| *old != news.verdict) {
                notices.push((
                    verdict_changed(old, news),
                    Audience::Followers(news.sha256.clone()),
                ));
            }
        }
        let mut delivered = Delivered::default();
        for (draft, audience) in &notices {
            let users = match audience {
                Audience::Users(users) => {
                    let mut users = users.clone();
                    users.sort_unstable();
                    users.dedup();
                    users
                }
                Audience::Followers(sha256) => follows::followers(&mut transaction, sha256).await?,
                Audience::Interested {
                    artifact_kind,
                    reward,
                } => follows::interested(&mut transaction, artifact_kind, reward).await?,
            };
            tell(
                &mut transaction,
                draft,
                &users,
                envelope_id,
                occurred_at,
                &mut delivered,
            )
            .await?;
        }
        transaction.commit().await.map_err(db)?;
        Ok(delivered)
    }

    /// One page of `user_id`'s inbox, newest first: notices older than `before` (a notice id),
    /// unread ones only when `unread_only`.
    pub async fn notices(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<NoticeRow>, NotificationError> {
        sqlx::query_as!(
            NoticeRow,
            "SELECT id, kind, title, body, link, data, occurred_at, read_at \
             FROM notification.notices \
             WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2) \
               AND (NOT $3 OR read_at IS NULL) \
             ORDER BY id DESC LIMIT $4",
            user_id,
            before,
            unread_only,
            limit,
        )
        .fetch_all(self.pool())
        .await
        .map_err(db)
    }

    /// The recipient of notice `id`, if it exists.
    pub async fn recipient_of(&self, id: Uuid) -> Result<Option<Uuid>, NotificationError> {
        sqlx::query_scalar!("SELECT user_id FROM notification.notices WHERE id = $1", id)
            .fetch_optional(self.pool())
            .await
            .map_err(db)
    }

    /// Marks notice `id` of `user_id` read (the first read time is kept); `None` when no such
    /// notice is theirs.
    pub async fn mark_read(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<Option<NoticeRow>, NotificationError> {
        sqlx::query_as!(
            NoticeRow,
            "UPDATE notification.notices SET read_at = COALESCE(read_at, now()) \
             WHERE id = $1 AND user_id = $2 \
             RETURNING id, kind, title, body, link, data, occurred_at, read_at",
            id,
            user_id,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(db)
    }

    /// Marks every unread notice of `user_id` read; how many.
    pub async fn mark_all_read(&self, user_id: Uuid) -> Result<u64, NotificationError> {
        let done = sqlx::query!(
            "UPDATE notification.notices SET read_at = now() \
             WHERE user_id = $1 AND read_at IS NULL",
            user_id,
        )
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(done.rows_affected())
    }

    /// Unread notices of `user_id`.
    pub async fn unread_count(&self, user_id: Uuid) -> Result<i64, NotificationError> {
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM notification.notices
               WHERE user_id = $1 AND read_at IS NULL"#,
            user_id,
        )
        .fetch_one(self.pool())
        .await
        .map_err(db)
    }
}

/// Tells `users` `draft`: one statement for every inbox row and `NoticeCreated` event, then the
/// mail and webhook hand-offs of those whose choice includes them (module docs).
async fn tell(
    connection: &mut PgConnection,
    draft: &Draft,
    users: &[Uuid],
    source_event: Uuid,
    occurred_at: DateTime<Utc>,
    delivered: &mut Delivered,
) -> Result<(), NotificationError> {
    if users.is_empty() {
        return Ok(());
    }
    let defaults = preferences::default_choice(draft.kind);
    let notice_ids: Vec<Uuid> = users.iter().map(|_| Uuid::now_v7()).collect();
    let event_ids: Vec<Uuid> = users.iter().map(|_| Uuid::now_v7()).collect();
    // The NoticeView of nexus-proto without its id (added per row in SQL): the relayed event is
    // byte-for-byte what the inbox answers.
    let mut view = json!({
        "kind": draft.kind.as_str(),
        "title": draft.title,
        "body": draft.body,
        "data": draft.data,
        "occurred_at": occurred_at,
    });
    if let (Some(link), Some(object)) = (&draft.link, view.as_object_mut()) {
        object.insert("link".to_owned(), json!(link));
    }
    let announced_at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let row = sqlx::query!(
        r#"WITH targets AS (
               SELECT t.notice_id, t.event_id, t.user_id,
                      ($5 OR COALESCE(p.in_app, $6)) AS in_app,
                      ($5 OR COALESCE(p.email, $7)) AS email,
                      (NOT $5 AND COALESCE(p.digest, false)) AS digest,
                      (COALESCE(p.webhook, true) AND EXISTS (
                          SELECT 1 FROM notification.webhook_endpoints w
                          WHERE w.user_id = t.user_id AND w.enabled)) AS webhook
               FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[]) AS t (notice_id, event_id, user_id)
               LEFT JOIN notification.preferences p ON p.user_id = t.user_id AND p.kind = $4
           ), inserted AS (
               INSERT INTO notification.notices
                   (id, user_id, kind, title, body, link, data, source_event, occurred_at)
               SELECT notice_id, user_id, $4, $8, $9, $10, $11, $12, $13 FROM targets WHERE in_app
               ON CONFLICT (user_id, source_event, kind) DO NOTHING
               RETURNING id, user_id
           ), announced AS (
               INSERT INTO notification.outbox (id, stream, envelope)
               SELECT t.event_id, $14, jsonb_build_object(
                   'id', t.event_id, 'name', 'NoticeCreated', 'version', 1,
                   'occurred_at', $15::text,
                   'payload', jsonb_build_object(
                       'user_id', i.user_id::text,
                       'notice', $16::jsonb || jsonb_build_object('id', i.id)))
               FROM inserted i JOIN targets t ON t.notice_id = i.id
               RETURNING id
           ), handoff AS (
               SELECT t.notice_id, t.user_id, t.email, t.digest, t.webhook
               FROM targets t LEFT JOIN inserted i ON i.id = t.notice_id
               WHERE (i.id IS NOT NULL OR NOT t.in_app) AND (t.email OR t.webhook)
           )
           SELECT (SELECT count(*) FROM inserted) AS "inserted!",
                  (SELECT count(*) FROM announced) AS "announced!",
                  COALESCE((SELECT jsonb_agg(jsonb_build_object(
                      'notice_id', notice_id, 'user_id', user_id, 'email', email,
                      'digest', digest, 'webhook', webhook)) FROM handoff), '[]'::jsonb)
                      AS "handoff!""#,
        &notice_ids,
        &event_ids,
        users,
        draft.kind.as_str(),
        draft.kind.is_mandatory(),
        defaults.in_app,
        defaults.email,
        draft.title,
        draft.body,
        draft.link,
        draft.data,
        source_event,
        occurred_at,
        nexus_proto::notification::EVENTS_STREAM,
        announced_at,
        view,
    )
    .fetch_one(&mut *connection)
    .await
    .map_err(db)?;
    if row.announced > 0 {
        // The relay wakes at commit (what `Outbox::enqueue_raw` does for one event).
        sqlx::query!("SELECT pg_notify($1, $2)", OUTBOX_CHANNEL, SCHEMA)
            .execute(&mut *connection)
            .await
            .map_err(db)?;
    }
    let handoffs: Vec<Handoff> = serde_json::from_value(row.handoff)
        .map_err(|error| NotificationError::Internal(format!("the hand-off rows: {error}")))?;
    let (mut emails, mut webhooks) = (0u64, 0u64);
    for handoff in &handoffs {
        let notice = Notice {
            id: handoff.notice_id,
            user_id: handoff.user_id,
            kind: draft.kind,
            title: draft.title.clone(),
            body: draft.body.clone(),
            link: draft.link.clone(),
            data: draft.data.clone(),
            source_event,
            occurred_at,
        };
        if handoff.email {
            email::enqueue_email(&mut *connection, &notice, handoff.digest).await?;
            emails += 1;
        }
        if handoff.webhook {
            webhooks += webhook_handoff(&mut *connection, &notice).await?;
        }
    }
    let inserted = u64::try_from(row.inserted).unwrap_or(0);
    delivered
        .counts
        .push((draft.kind, Channel::InApp, inserted));
    delivered.counts.push((draft.kind, Channel::Email, emails));
    delivered
        .counts
        .push((draft.kind, Channel::Webhook, webhooks));
    Ok(())
}

/// The webhook channel's hand-off: one message per enabled endpoint of the user whose filter
/// admits the kind.
async fn webhook_handoff(
    connection: &mut PgConnection,
    notice: &Notice,
) -> Result<u64, NotificationError> {
    Ok(webhooks::enqueue_webhook_messages(connection, notice).await?)
}
