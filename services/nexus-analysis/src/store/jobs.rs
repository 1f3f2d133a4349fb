//! SQL of the job guarantees: progress marks, the reconciliation loop's queries and
//! re-queues. (The rest of the service's SQL is in [`crate::store`].)

use std::collections::HashSet;
use std::time::Duration;

use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisRequested, RetrohuntRequested};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::error::AnalysisError;

/// The stage at which the engine starts; entering it counts an engine run.
pub const ENGINE_STAGE: &str = "engine";

/// Marks an unfinished analysis as running at `stage`, now (its progress mark); entering
/// [`ENGINE_STAGE`] also counts an engine run (`engine_runs`).
#[tracing::instrument(skip_all, fields(analysis_id = %id, stage = %stage))]
pub async fn mark_running(pool: &PgPool, id: Uuid, stage: &str) -> Result<(), AnalysisError> {
    sqlx::query(
        "UPDATE analysis.analyses SET status = 'running', stage = $2, \
         started_at = coalesce(started_at, now()), progressed_at = now(), \
         engine_runs = engine_runs + CASE WHEN $2 = $3 THEN 1 ELSE 0 END \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(stage)
    .bind(ENGINE_STAGE)
    .execute(pool)
    .await?;
    Ok(())
}

fn interval_seconds(after: Duration) -> f64 {
    after.as_secs_f64()
}

/// Unfinished analyses without progress for longer than `after` (oldest first, at most
/// `limit`).
#[tracing::instrument(skip_all)]
pub async fn idle_analyses(
    pool: &PgPool,
    after: Duration,
    limit: i64,
) -> Result<Vec<Uuid>, AnalysisError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM analysis.analyses \
         WHERE status IN ('queued', 'running') \
         AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $1) \
         ORDER BY coalesce(progressed_at, created_at) LIMIT $2",
    )
    .bind(interval_seconds(after))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Unfinished retrohunts without progress for longer than `after`.
#[tracing::instrument(skip_all)]
pub async fn idle_retrohunts(
    pool: &PgPool,
    after: Duration,
    limit: i64,
) -> Result<Vec<Uuid>, AnalysisError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM analysis.retrohunts \
         WHERE status IN ('queued', 'running') \
         AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $1) \
         ORDER BY coalesce(progressed_at, created_at) LIMIT $2",
    )
    .bind(interval_seconds(after))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Ids named by job envelopes of `stream` still waiting in the outbox (not relayed yet), read
/// from the payload field `field`.
async fn unpublished_ids(
    pool: &PgPool,
    stream: &str,
    field: &str,
) -> Result<HashSet<Uuid>, AnalysisError> {
    let rows = sqlx::query(
        "SELECT envelope->'payload'->>$2 AS id FROM analysis.outbox \
         WHERE published_at IS NULL AND stream = $1",
    )
    .bind(stream)
    .bind(field)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.try_get::<Option<String>, _>("id").ok().flatten())
        .filter_map(|id| id.parse().ok())
        .collect())
}

/// Analyses whose job is still in the outbox.
pub async fn unpublished_analysis_jobs(pool: &PgPool) -> Result<HashSet<Uuid>, AnalysisError> {
    unpublished_ids(pool, AnalysisRequested::STREAM, "analysis_id").await
}

/// Retrohunts whose next chunk is still in the outbox.
pub async fn unpublished_retrohunt_jobs(pool: &PgPool) -> Result<HashSet<Uuid>, AnalysisError> {
    unpublished_ids(pool, RetrohuntRequested::STREAM, "retrohunt_id").await
}

/// Puts an unfinished analysis idle for `after` back to `queued` (stage `requeued`, progress
/// now) and returns its SHA-256; `None` when it finished or moved meanwhile (or another
/// instance's loop re-queued it first: the idle condition is checked again under the row lock).
pub async fn requeue_analysis(
    connection: &mut PgConnection,
    id: Uuid,
    after: Duration,
) -> Result<Option<String>, AnalysisError> {
    let row = sqlx::query(
        "UPDATE analysis.analyses SET status = 'queued', stage = 'requeued', progressed_at = now() \
         WHERE id = $1 AND status IN ('queued', 'running') \
         AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $2) \
         RETURNING sha256",
    )
    .bind(id)
    .bind(interval_seconds(after))
    .fetch_optional(connection)
    .await?;
    row.map(|row| row.try_get("sha256").map_err(AnalysisError::from))
        .transpose()
}

/// Marks an unfinished retrohunt idle for `after` as re-queued now; false when it finished
/// or another loop re-queued it first.
pub async fn requeue_retrohunt(
    connection: &mut PgConnection,
    id: Uuid,
    after: Duration,
) -> Result<bool, AnalysisError> {
    let updated = sqlx::query(
        "UPDATE analysis.retrohunts SET progressed_at = now() \
         WHERE id = $1 AND status IN ('queued', 'running') \
         AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $2)",
    )
    .bind(id)
    .bind(interval_seconds(after))
    .execute(connection)
    .await?
    .rows_affected();
    Ok(updated == 1)
}
