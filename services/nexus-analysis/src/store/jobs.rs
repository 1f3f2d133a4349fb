//! SQL of the job guarantees: progress marks, the reconciliation loop's queries, and its
//! re-queues (each with its new job in the outbox).

use std::collections::HashSet;
use std::time::Duration;

use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisRequested, RetrohuntRequested};
use uuid::Uuid;

use super::Store;
use crate::error::AnalysisError;

/// The stage at which the engine starts; entering it counts an engine run.
pub const ENGINE_STAGE: &str = "engine";

fn interval_seconds(after: Duration) -> f64 {
    after.as_secs_f64()
}

impl Store {
    /// Marks an unfinished analysis as running at `stage`, now (its progress mark); entering
    /// [`ENGINE_STAGE`] also counts an engine run (`engine_runs`).
    #[tracing::instrument(skip_all, fields(analysis_id = %id, stage = %stage))]
    pub async fn mark_running(&self, id: Uuid, stage: &str) -> Result<(), AnalysisError> {
        sqlx::query!(
            "UPDATE analysis.analyses SET status = 'running', stage = $2, \
             started_at = coalesce(started_at, now()), progressed_at = now(), \
             engine_runs = engine_runs + CASE WHEN $2 = $3 THEN 1 ELSE 0 END \
             WHERE id = $1 AND status IN ('queued', 'running')",
            id,
            stage,
            ENGINE_STAGE,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Unfinished analyses without progress for longer than `after` (oldest first, at most
    /// `limit`).
    #[tracing::instrument(skip_all)]
    pub async fn idle_analyses(
        &self,
        after: Duration,
        limit: i64,
    ) -> Result<Vec<Uuid>, AnalysisError> {
        Ok(sqlx::query_scalar!(
            "SELECT id FROM analysis.analyses \
             WHERE status IN ('queued', 'running') \
             AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $1) \
             ORDER BY coalesce(progressed_at, created_at) LIMIT $2",
            interval_seconds(after),
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Unfinished retrohunts without progress for longer than `after`.
    #[tracing::instrument(skip_all)]
    pub async fn idle_retrohunts(
        &self,
        after: Duration,
        limit: i64,
    ) -> Result<Vec<Uuid>, AnalysisError> {
        Ok(sqlx::query_scalar!(
            "SELECT id FROM analysis.retrohunts \
             WHERE status IN ('queued', 'running') \
             AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $1) \
             ORDER BY coalesce(progressed_at, created_at) LIMIT $2",
            interval_seconds(after),
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ids named by job envelopes of `stream` still waiting in the outbox (not relayed yet),
    /// read from the payload field `field`.
    async fn unpublished_ids(
        &self,
        stream: &str,
        field: &str,
    ) -> Result<HashSet<Uuid>, AnalysisError> {
        let ids = sqlx::query_scalar!(
            "SELECT envelope->'payload'->>$2 AS id FROM analysis.outbox \
             WHERE published_at IS NULL AND stream = $1",
            stream,
            field,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids
            .into_iter()
            .flatten()
            .filter_map(|id| id.parse().ok())
            .collect())
    }

    /// Analyses whose job is still in the outbox.
    pub async fn unpublished_analysis_jobs(&self) -> Result<HashSet<Uuid>, AnalysisError> {
        self.unpublished_ids(AnalysisRequested::STREAM, "analysis_id")
            .await
    }

    /// Retrohunts whose next chunk is still in the outbox.
    pub async fn unpublished_retrohunt_jobs(&self) -> Result<HashSet<Uuid>, AnalysisError> {
        self.unpublished_ids(RetrohuntRequested::STREAM, "retrohunt_id")
            .await
    }

    /// Puts an unfinished analysis idle for `after` back to `queued` (stage `requeued`,
    /// progress now) with a new job in the outbox, in one transaction; false when it finished
    /// or moved meanwhile (or another instance's loop re-queued it first: the idle condition
    /// is checked again under the row lock).
    pub async fn requeue_analysis(&self, id: Uuid, after: Duration) -> Result<bool, AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        let sha256 = sqlx::query_scalar!(
            "UPDATE analysis.analyses \
             SET status = 'queued', stage = 'requeued', progressed_at = now() \
             WHERE id = $1 AND status IN ('queued', 'running') \
             AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $2) \
             RETURNING sha256",
            id,
            interval_seconds(after),
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let requeued = sha256.is_some();
        if let Some(sha256) = sha256 {
            let job = AnalysisRequested {
                analysis_id: id,
                sha256: super::stored_sha256(sha256)?,
            };
            self.outbox
                .enqueue_event(&mut transaction, job, None)
                .await?;
        }
        transaction.commit().await?;
        Ok(requeued)
    }

    /// Marks an unfinished retrohunt idle for `after` as re-queued now, with its next chunk's
    /// job in the outbox, in one transaction; false when it finished or another loop re-queued
    /// it first.
    pub async fn requeue_retrohunt(
        &self,
        id: Uuid,
        after: Duration,
    ) -> Result<bool, AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query!(
            "UPDATE analysis.retrohunts SET progressed_at = now() \
             WHERE id = $1 AND status IN ('queued', 'running') \
             AND coalesce(progressed_at, created_at) < now() - make_interval(secs => $2)",
            id,
            interval_seconds(after),
        )
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        let requeued = updated == 1;
        if requeued {
            let job = RetrohuntRequested { retrohunt_id: id };
            self.outbox
                .enqueue_event(&mut transaction, job, None)
                .await?;
        }
        transaction.commit().await?;
        Ok(requeued)
    }
}
