//! The consumer inbox: exactly-once effects over an at-least-once bus.
//!
//! Dynamic SQL, on purpose, for the reason the outbox's is (`crate::outbox`): one `inbox` table
//! per service schema, chosen at run time, so `sqlx::query!` cannot name it. Safe because the
//! only text put into the SQL is a [`Schema`] (a `'static` identifier `Schema::new` validated);
//! the consumer name and event id are bound parameters.

use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::error::DbError;
use crate::schema::Schema;

/// The inbox table of one service schema.
///
/// A consumer opens a transaction, calls [`Inbox::record_once`] with the event id, applies its
/// effect only when that returns `true`, and commits before acknowledging the message. If the
/// consumer dies anywhere in between, either nothing committed (the redelivery applies the effect)
/// or both committed (the redelivery sees the id and skips it).
#[derive(Debug, Clone, Copy)]
pub struct Inbox {
    schema: Schema,
}

impl Inbox {
    /// The inbox in `schema`.
    pub fn new(schema: Schema) -> Self {
        Self { schema }
    }

    /// Records that `consumer` handled `event_id`; `false` when it already had.
    pub async fn record_once(
        &self,
        connection: &mut PgConnection,
        consumer: &str,
        event_id: Uuid,
    ) -> Result<bool, DbError> {
        let insert = format!(
            "INSERT INTO {}.inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            self.schema
        );
        let result = sqlx::query(AssertSqlSafe(insert))
            .bind(consumer)
            .bind(event_id)
            .execute(&mut *connection)
            .await?;
        Ok(result.rows_affected() == 1)
    }
}
