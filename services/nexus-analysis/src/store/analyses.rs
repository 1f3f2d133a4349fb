//! Analyses: queuing one per sample and rules version (with its job in the outbox), what a
//! worker reads and commits, the views, and the queue depth.

use chrono::{DateTime, Utc};
use nexus_core::Sha256;
use nexus_proto::analysis::{AnalysisCompleted, AnalysisRequested, AnalysisStatus, AnalysisView};
use nexus_proto::report::{AnalysisReport, VerdictHint};
use sqlx::PgConnection;
use uuid::Uuid;

use super::samples::index_sample;
use super::{Store, stored_sha256};
use crate::error::AnalysisError;

/// The analysis that covers a sample under some rules.
#[derive(Debug, Clone, Copy)]
pub struct Queued {
    /// Its id.
    pub analysis_id: Uuid,
    /// Its status.
    pub status: AnalysisStatus,
    /// True when it was queued just now (false: one that had not failed existed already).
    pub created: bool,
}

/// What a worker needs to know about a job's analysis.
#[derive(Debug, Clone)]
pub struct Job {
    /// The sample.
    pub sha256: Sha256,
    /// Current status.
    pub status: AnalysisStatus,
    /// Rules version recorded at upload.
    pub ruleset_version: String,
    /// Submitter.
    pub submitted_by: String,
}

/// The outcome a worker commits.
#[derive(Debug)]
pub struct Outcome<'a> {
    /// Final status.
    pub status: AnalysisStatus,
    /// The report (none for `failed`).
    pub report: Option<&'a AnalysisReport>,
    /// Why it failed.
    pub error: Option<&'a str>,
}

/// An `analysis.analyses` row as the views read it (`report` only when asked for).
struct AnalysisRow {
    id: Uuid,
    sha256: String,
    status: String,
    stage: Option<String>,
    ruleset_version: String,
    verdict: Option<String>,
    score: Option<i16>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    report: Option<serde_json::Value>,
}

impl AnalysisRow {
    fn into_view(self) -> Result<AnalysisView, AnalysisError> {
        Ok(AnalysisView {
            id: self.id,
            sha256: stored_sha256(self.sha256)?,
            status: parse_status(&self.status)?,
            stage: self.stage,
            ruleset_version: self.ruleset_version,
            verdict: self.verdict.as_deref().map(parse_verdict).transpose()?,
            score: self.score.and_then(|score| u8::try_from(score).ok()),
            error: self.error,
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            report: self
                .report
                .map(serde_json::from_value::<AnalysisReport>)
                .transpose()
                .map_err(|error| AnalysisError::Corrupt(error.to_string()))?
                .map(Box::new),
        })
    }
}

impl Store {
    /// Queues an analysis of `sha256` under `ruleset_version` with its job in the outbox,
    /// unless one (not failed) exists for the same bytes and rules; returns the analysis
    /// that covers them.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn queue_analysis(
        &self,
        id: Uuid,
        sha256: &Sha256,
        submitted_by: &str,
        ruleset_version: &str,
        traceparent: Option<&str>,
    ) -> Result<Queued, AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        let queued = self
            .queue_analysis_in(
                &mut transaction,
                id,
                sha256,
                submitted_by,
                ruleset_version,
                traceparent,
            )
            .await?;
        transaction.commit().await?;
        Ok(queued)
    }

    /// [`Store::queue_analysis`] inside the caller's transaction.
    pub(super) async fn queue_analysis_in(
        &self,
        connection: &mut PgConnection,
        id: Uuid,
        sha256: &Sha256,
        submitted_by: &str,
        ruleset_version: &str,
        traceparent: Option<&str>,
    ) -> Result<Queued, AnalysisError> {
        let inserted = sqlx::query!(
            "INSERT INTO analysis.analyses (id, sha256, submitted_by, ruleset_version) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256, ruleset_version) WHERE status <> 'failed' DO NOTHING",
            id,
            sha256.as_str(),
            submitted_by,
            ruleset_version,
        )
        .execute(&mut *connection)
        .await?
        .rows_affected();
        if inserted == 1 {
            let job = AnalysisRequested {
                analysis_id: id,
                sha256: sha256.clone(),
            };
            self.outbox
                .enqueue_event(connection, job, traceparent)
                .await?;
            return Ok(Queued {
                analysis_id: id,
                status: AnalysisStatus::Queued,
                created: true,
            });
        }
        let row = sqlx::query!(
            "SELECT id, status FROM analysis.analyses \
             WHERE sha256 = $1 AND ruleset_version = $2 AND status <> 'failed'",
            sha256.as_str(),
            ruleset_version,
        )
        .fetch_one(&mut *connection)
        .await?;
        Ok(Queued {
            analysis_id: row.id,
            status: parse_status(&row.status)?,
            created: false,
        })
    }

    /// The job's analysis row, `None` when it does not exist.
    #[tracing::instrument(skip_all, fields(analysis_id = %id))]
    pub async fn job(&self, id: Uuid) -> Result<Option<Job>, AnalysisError> {
        let row = sqlx::query!(
            "SELECT sha256, status, ruleset_version, submitted_by FROM analysis.analyses \
             WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Job {
                sha256: stored_sha256(row.sha256)?,
                status: parse_status(&row.status)?,
                ruleset_version: row.ruleset_version,
                submitted_by: row.submitted_by,
            })
        })
        .transpose()
    }

    /// Finishes analysis `id` of `sha256` if it is not finished yet, in one transaction that
    /// also indexes the sample (when there is a report) and writes `completed` to the outbox.
    /// Returns false when another worker already finished it (nothing is written, so the
    /// result is announced once).
    #[tracing::instrument(skip_all, fields(analysis_id = %id))]
    pub async fn finish(
        &self,
        id: Uuid,
        sha256: &Sha256,
        outcome: &Outcome<'_>,
        completed: AnalysisCompleted,
        traceparent: Option<&str>,
    ) -> Result<bool, AnalysisError> {
        let report = outcome
            .report
            .map(serde_json::to_value)
            .transpose()
            .map_err(|error| AnalysisError::Corrupt(error.to_string()))?;
        let verdict = outcome.report.map(|report| verdict_text(report.verdict));
        let score = outcome.report.map(|report| i16::from(report.score));
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query!(
            "UPDATE analysis.analyses SET status = $2, stage = 'done', verdict = $3, score = $4, \
             report = $5, error = $6, completed_at = now(), \
             started_at = coalesce(started_at, now()) \
             WHERE id = $1 AND status IN ('queued', 'running')",
            id,
            outcome.status.as_str(),
            verdict,
            score,
            report,
            outcome.error,
        )
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        let finished = updated == 1;
        if finished {
            if let Some(report) = outcome.report {
                let file_type = serde_json::to_value(report.file.file_type)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default();
                index_sample(&mut transaction, sha256, &report.hashes, &file_type).await?;
            }
            self.outbox
                .enqueue_event(&mut transaction, completed, traceparent)
                .await?;
        }
        transaction.commit().await?;
        Ok(finished)
    }

    /// One analysis, with its report when `with_report`.
    #[tracing::instrument(skip_all, fields(analysis_id = %id))]
    pub async fn analysis(
        &self,
        id: Uuid,
        with_report: bool,
    ) -> Result<Option<AnalysisView>, AnalysisError> {
        sqlx::query_as!(
            AnalysisRow,
            r#"SELECT id, sha256, status, stage, ruleset_version, verdict, score, error, created_at,
             started_at, completed_at, CASE WHEN $2 THEN report END AS report
             FROM analysis.analyses WHERE id = $1"#,
            id,
            with_report,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AnalysisRow::into_view)
        .transpose()
    }

    /// The most recent analysis of a sample, without its report.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn latest_analysis(
        &self,
        sha256: &Sha256,
    ) -> Result<Option<AnalysisView>, AnalysisError> {
        sqlx::query_as!(
            AnalysisRow,
            r#"SELECT id, sha256, status, stage, ruleset_version, verdict, score, error, created_at,
             started_at, completed_at, NULL::jsonb AS report
             FROM analysis.analyses WHERE sha256 = $1 ORDER BY created_at DESC, id DESC LIMIT 1"#,
            sha256.as_str(),
        )
        .fetch_optional(&self.pool)
        .await?
        .map(AnalysisRow::into_view)
        .transpose()
    }

    /// One page of the analyses of the samples `user_id` uploaded (whoever started them),
    /// newest first by id (UUIDv7, so by time queued), without reports: `limit` rows after
    /// the analysis `before` (exclusive), if given.
    #[tracing::instrument(skip_all)]
    pub async fn uploader_analyses(
        &self,
        user_id: &str,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AnalysisView>, AnalysisError> {
        sqlx::query_as!(
            AnalysisRow,
            r#"SELECT a.id, a.sha256, a.status, a.stage, a.ruleset_version, a.verdict, a.score,
             a.error, a.created_at, a.started_at, a.completed_at, NULL::jsonb AS report
             FROM analysis.analyses a
             JOIN analysis.uploads u ON u.sha256 = a.sha256 AND u.user_id = $1
             WHERE $2::uuid IS NULL OR a.id < $2
             ORDER BY a.id DESC LIMIT $3"#,
            user_id,
            before,
            i64::from(limit),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(AnalysisRow::into_view)
        .collect()
    }

    /// The report of an analysis (finished ones only).
    #[tracing::instrument(skip_all, fields(analysis_id = %id))]
    pub async fn report(&self, id: Uuid) -> Result<Option<AnalysisReport>, AnalysisError> {
        let value = sqlx::query_scalar!("SELECT report FROM analysis.analyses WHERE id = $1", id)
            .fetch_optional(&self.pool)
            .await?
            .flatten();
        value
            .map(serde_json::from_value)
            .transpose()
            .map_err(|error| AnalysisError::Corrupt(error.to_string()))
    }

    /// Analyses waiting or running (the queue depth the platform scales on).
    pub async fn queue_depth(&self) -> Result<i64, AnalysisError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM analysis.analyses
             WHERE status IN ('queued', 'running')"#
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

pub(super) fn parse_status(text: &str) -> Result<AnalysisStatus, AnalysisError> {
    AnalysisStatus::parse(text).ok_or_else(|| AnalysisError::Corrupt(format!("status {text:?}")))
}

fn verdict_text(verdict: VerdictHint) -> &'static str {
    match verdict {
        VerdictHint::Malicious => "malicious",
        VerdictHint::Suspicious => "suspicious",
        VerdictHint::Benign => "benign",
        VerdictHint::Unknown => "unknown",
    }
}

fn parse_verdict(text: &str) -> Result<VerdictHint, AnalysisError> {
    [
        VerdictHint::Malicious,
        VerdictHint::Suspicious,
        VerdictHint::Benign,
        VerdictHint::Unknown,
    ]
    .into_iter()
    .find(|verdict| verdict_text(*verdict) == text)
    .ok_or_else(|| AnalysisError::Corrupt(format!("verdict {text:?}")))
}

/// The label value of a verdict (metrics).
pub fn verdict_label(verdict: VerdictHint) -> &'static str {
    verdict_text(verdict)
}
