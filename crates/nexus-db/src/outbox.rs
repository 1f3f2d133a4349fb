//! The transactional outbox: events written with the state change, relayed afterwards.
//!
//! Dynamic SQL, on purpose: every service schema has its own `outbox` table (created by
//! `public.nexus_create_bus_tables`), and this one type serves all of them, so the table's
//! schema is chosen at run time and `sqlx::query!` (which checks one fixed SQL text at compile
//! time) cannot name it. What keeps it safe: the only text put into the SQL is a [`Schema`],
//! which can only be built from a `'static` identifier matching `[a-z][a-z0-9_]{0,62}`
//! (validated by `Schema::new`), never from input; every value is a bound parameter. The one
//! statement that names no table (`pg_notify`) is checked at compile time.

use std::time::Duration;

use nexus_proto::event::RawEnvelope;
use nexus_proto::{Envelope, Event};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::error::DbError;
use crate::schema::Schema;

/// PostgreSQL `NOTIFY` channel raised when an outbox row commits; the payload is the schema.
pub const OUTBOX_CHANNEL: &str = "nexus_outbox";

/// An outbox row not yet relayed.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    /// The envelope id (also the row's primary key).
    pub id: Uuid,
    /// The Redis stream it goes to.
    pub stream: String,
    /// The envelope, payload still raw JSON.
    pub envelope: RawEnvelope,
    /// Relay attempts so far.
    pub attempts: i32,
}

/// The outbox table of one service schema.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    schema: Schema,
}

impl Outbox {
    /// The outbox in `schema`.
    pub fn new(schema: Schema) -> Self {
        Self { schema }
    }

    /// The schema this outbox lives in.
    pub fn schema(&self) -> Schema {
        self.schema
    }

    /// Writes `envelope` into the outbox on `connection`, which must be the transaction that
    /// makes the state change, so the event exists if and only if the change commits.
    pub async fn enqueue<E: Event>(
        &self,
        connection: &mut PgConnection,
        envelope: &Envelope<E>,
    ) -> Result<(), DbError> {
        let raw = envelope
            .to_raw()
            .map_err(|error| DbError::Query(sqlx::Error::Encode(Box::new(error))))?;
        self.enqueue_raw(connection, E::STREAM, &raw).await
    }

    /// [`Outbox::enqueue`] for a new event, wrapped in a fresh envelope that carries the
    /// request's `traceparent` (so the consumers' spans join the trace of the change).
    pub async fn enqueue_event<E: Event>(
        &self,
        connection: &mut PgConnection,
        event: E,
        traceparent: Option<&str>,
    ) -> Result<(), DbError> {
        let envelope = Envelope::new(event).with_traceparent(traceparent.map(str::to_owned));
        self.enqueue(connection, &envelope).await
    }

    /// [`Outbox::enqueue`] for an envelope whose payload is already JSON.
    pub async fn enqueue_raw(
        &self,
        connection: &mut PgConnection,
        stream: &str,
        envelope: &RawEnvelope,
    ) -> Result<(), DbError> {
        let document = serde_json::to_value(envelope)
            .map_err(|error| DbError::Query(sqlx::Error::Encode(Box::new(error))))?;
        let insert = format!(
            "INSERT INTO {}.outbox (id, stream, envelope) VALUES ($1, $2, $3)",
            self.schema
        );
        sqlx::query(AssertSqlSafe(insert))
            .bind(envelope.id)
            .bind(stream)
            .bind(document)
            .execute(&mut *connection)
            .await?;
        // Delivered at commit, and only if the transaction commits: wakes the relay at once.
        sqlx::query!(
            "SELECT pg_notify($1, $2)",
            OUTBOX_CHANNEL,
            self.schema.as_str()
        )
        .execute(&mut *connection)
        .await?;
        Ok(())
    }

    /// Locks up to `limit` unpublished rows, oldest first, skipping rows another relay holds.
    /// Call inside a transaction and mark them published in the same one.
    pub async fn claim_batch(
        &self,
        connection: &mut PgConnection,
        limit: i64,
    ) -> Result<Vec<PendingEvent>, DbError> {
        let select = format!(
            "SELECT id, stream, envelope, attempts FROM {}.outbox WHERE published_at IS NULL \
             ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
            self.schema
        );
        let rows = sqlx::query(AssertSqlSafe(select))
            .bind(limit)
            .fetch_all(&mut *connection)
            .await?;
        rows.into_iter()
            .map(|row| {
                let document: serde_json::Value = row.try_get("envelope")?;
                let envelope: RawEnvelope = serde_json::from_value(document)
                    .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
                Ok(PendingEvent {
                    id: row.try_get("id")?,
                    stream: row.try_get("stream")?,
                    envelope,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(DbError::from)
    }

    /// Marks rows as relayed.
    pub async fn mark_published(
        &self,
        connection: &mut PgConnection,
        ids: &[Uuid],
    ) -> Result<(), DbError> {
        let update = format!(
            "UPDATE {}.outbox SET published_at = now() WHERE id = ANY($1)",
            self.schema
        );
        sqlx::query(AssertSqlSafe(update))
            .bind(ids)
            .execute(&mut *connection)
            .await?;
        Ok(())
    }

    /// Records a failed relay attempt; the row stays pending and is retried.
    pub async fn record_failure(
        &self,
        pool: &PgPool,
        id: Uuid,
        error: &str,
    ) -> Result<(), DbError> {
        let update = format!(
            "UPDATE {}.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
            self.schema
        );
        sqlx::query(AssertSqlSafe(update))
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// How many rows wait to be relayed (exported as a metric and checked by tests).
    pub async fn pending_count(&self, pool: &PgPool) -> Result<i64, DbError> {
        let count = format!(
            "SELECT count(*) FROM {}.outbox WHERE published_at IS NULL",
            self.schema
        );
        Ok(sqlx::query_scalar(AssertSqlSafe(count))
            .fetch_one(pool)
            .await?)
    }

    /// Deletes relayed rows older than `age`; returns how many.
    pub async fn purge_published(&self, pool: &PgPool, age: Duration) -> Result<u64, DbError> {
        let delete = format!(
            "DELETE FROM {}.outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)",
            self.schema
        );
        let result = sqlx::query(AssertSqlSafe(delete))
            .bind(age.as_secs_f64())
            .execute(pool)
            .await?;
        Ok(result.rows_affected())
    }
}
