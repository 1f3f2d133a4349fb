//! Schema `notification`'s webhook tables (migration `20261208140000_notification_webhooks`):
//! endpoints with their secrets, the message queue the delivery worker claims from, and the
//! per-attempt delivery log.

use nexus_db::DbError;

use crate::domain::notice::Notice;
use crate::webhooks::payload;

/// Queues one message for `notice` per enabled endpoint of `notice.user_id` whose event-type
/// filter admits `notice.kind` (an empty filter admits every kind), due at once; returns how many
/// were queued. Runs on the caller's transaction (CORE's hand-off: the inbox row and the channel
/// queues commit together). Idempotent: a notice already queued for an endpoint is skipped.
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
