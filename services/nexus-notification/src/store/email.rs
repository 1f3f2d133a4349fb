//! The e-mail queue (`notification.email_messages`, `notification.email_digest_items`,
//! `notification.email_addresses`; migration `20261208150000_notification_email.sql`).
//!
//! [`enqueue_email`] is the hand-off from the notice pipeline: it runs on the caller's
//! transaction, so a notice's mail exists if and only if the notice does. The sender
//! ([`crate::email`]) claims due rows with `FOR UPDATE SKIP LOCKED` and a lease; every change of
//! a row after the claim is one statement or one transaction here.

use nexus_db::DbError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::notice::Notice;

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
