//! The service's SQL (schema `analysis`), parameterized queries only: samples, uploads and
//! analyses here; retrohunts and rulesets in [`hunts`]; the job guarantees' progress marks and
//! reconciliation queries in [`jobs`].

mod hunts;
pub mod jobs;

pub use hunts::{
    HuntCandidate, NewRetrohunt, RetrohuntChunk, RetrohuntJob, RulesetRow, fail_retrohunt,
    hunt_candidates_after, insert_retrohunt, insert_ruleset, lock_owner_hunts, retrohunt,
    retrohunt_job, retrohunt_owner, retrohunt_usage_today, ruleset, save_retrohunt_chunk,
};

use chrono::{DateTime, Utc};
use nexus_proto::analysis::{AnalysisStatus, AnalysisView, SampleVisibility};
use nexus_proto::report::{AnalysisReport, Hashes, VerdictHint};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::domain::similar::FuzzyHashes;
use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;

/// Candidates read per similarity index before scoring.
const CANDIDATE_CAP: i64 = 1_000;

/// Records `user_id`'s upload of `sha256` with the visibility they chose: inserts the sample
/// or counts one more upload, and inserts or refreshes the uploader's row. A public upload
/// makes the sample public; nothing makes it private again. Returns the sample's visibility.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn record_upload(
    connection: &mut PgConnection,
    sha256: &str,
    size: u64,
    user_id: &str,
    visibility: SampleVisibility,
) -> Result<SampleVisibility, AnalysisError> {
    let public = visibility == SampleVisibility::Public;
    let is_public: bool = sqlx::query_scalar(
        "INSERT INTO analysis.samples (sha256, size, is_public) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO UPDATE SET upload_count = samples.upload_count + 1, \
         last_seen = now(), is_public = samples.is_public OR excluded.is_public \
         RETURNING is_public",
    )
    .bind(sha256)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(public)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::query(
        "INSERT INTO analysis.uploads (sha256, user_id, visibility) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256, user_id) DO UPDATE SET last_uploaded_at = now(), \
         visibility = CASE WHEN uploads.visibility = 'public' OR excluded.visibility = 'public' \
                      THEN 'public' ELSE 'private' END",
    )
    .bind(sha256)
    .bind(user_id)
    .bind(visibility.as_str())
    .execute(&mut *connection)
    .await?;
    Ok(if is_public {
        SampleVisibility::Public
    } else {
        SampleVisibility::Private
    })
}

/// The visibility facts of the samples in `sha256s` as seen by `subject` (`None`: a guest);
/// samples that are not stored are left out.
#[tracing::instrument(skip_all)]
pub async fn samples_access(
    pool: &PgPool,
    sha256s: &[String],
    subject: Option<&str>,
) -> Result<Vec<SampleAccess>, AnalysisError> {
    let rows = sqlx::query(
        "SELECT s.sha256, s.is_public, s.is_bounty_artifact, \
         EXISTS (SELECT 1 FROM analysis.uploads u WHERE u.sha256 = s.sha256 AND u.user_id = $2) \
           AS uploaded_by_caller \
         FROM analysis.samples s WHERE s.sha256 = ANY($1)",
    )
    .bind(sha256s)
    .bind(subject)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| sample_access_of(row).map_err(AnalysisError::from))
        .collect()
}

/// The visibility facts of one sample as seen by `subject`; `None` when it is not stored.
pub async fn sample_access(
    pool: &PgPool,
    sha256: &str,
    subject: Option<&str>,
) -> Result<Option<SampleAccess>, AnalysisError> {
    Ok(samples_access(pool, &[sha256.to_owned()], subject)
        .await?
        .into_iter()
        .next())
}

pub(super) fn sample_access_of(row: &sqlx::postgres::PgRow) -> Result<SampleAccess, sqlx::Error> {
    Ok(SampleAccess {
        sha256: row.try_get("sha256")?,
        is_public: row.try_get("is_public")?,
        is_bounty_artifact: row.try_get("is_bounty_artifact")?,
        uploaded_by_caller: row.try_get("uploaded_by_caller")?,
    })
}

/// Inserts a queued analysis unless one (not failed) exists for the same bytes and rules;
/// returns the id and status of the analysis that covers them, and whether it is new.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn queue_analysis(
    connection: &mut PgConnection,
    id: Uuid,
    sha256: &str,
    submitted_by: &str,
    ruleset_version: &str,
) -> Result<(Uuid, AnalysisStatus, bool), AnalysisError> {
    let inserted = sqlx::query(
        "INSERT INTO analysis.analyses (id, sha256, submitted_by, ruleset_version) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256, ruleset_version) WHERE status <> 'failed' DO NOTHING",
    )
    .bind(id)
    .bind(sha256)
    .bind(submitted_by)
    .bind(ruleset_version)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok((id, AnalysisStatus::Queued, true));
    }
    let row = sqlx::query(
        "SELECT id, status FROM analysis.analyses \
         WHERE sha256 = $1 AND ruleset_version = $2 AND status <> 'failed'",
    )
    .bind(sha256)
    .bind(ruleset_version)
    .fetch_one(&mut *connection)
    .await?;
    Ok((
        row.try_get("id")?,
        parse_status(&row.try_get::<String, _>("status")?)?,
        false,
    ))
}

/// What a worker needs to know about a job's analysis.
#[derive(Debug, Clone)]
pub struct Job {
    /// The sample.
    pub sha256: String,
    /// Current status.
    pub status: AnalysisStatus,
    /// Rules version recorded at upload.
    pub ruleset_version: String,
    /// Submitter.
    pub submitted_by: String,
}

/// The job's analysis row, `None` when it does not exist.
#[tracing::instrument(skip_all, fields(analysis_id = %id))]
pub async fn job(pool: &PgPool, id: Uuid) -> Result<Option<Job>, AnalysisError> {
    let row = sqlx::query(
        "SELECT sha256, status, ruleset_version, submitted_by FROM analysis.analyses WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Job {
            sha256: row.try_get("sha256")?,
            status: parse_status(&row.try_get::<String, _>("status")?)?,
            ruleset_version: row.try_get("ruleset_version")?,
            submitted_by: row.try_get("submitted_by")?,
        })
    })
    .transpose()
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

/// Finishes an analysis that is not finished yet; returns false when another worker already
/// finished it (so the caller must not announce it again).
#[tracing::instrument(skip_all, fields(analysis_id = %id))]
pub async fn finish(
    connection: &mut PgConnection,
    id: Uuid,
    outcome: &Outcome<'_>,
) -> Result<bool, AnalysisError> {
    let report = outcome
        .report
        .map(serde_json::to_value)
        .transpose()
        .map_err(|error| AnalysisError::Corrupt(error.to_string()))?;
    let verdict = outcome.report.map(|report| verdict_text(report.verdict));
    let score = outcome.report.map(|report| i16::from(report.score));
    let updated = sqlx::query(
        "UPDATE analysis.analyses SET status = $2, stage = 'done', verdict = $3, score = $4, \
         report = $5, error = $6, completed_at = now(), started_at = coalesce(started_at, now()) \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(outcome.status.as_str())
    .bind(verdict)
    .bind(score)
    .bind(report)
    .bind(outcome.error)
    .execute(connection)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Stores a sample's hashes and type, and its similarity index keys.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn index_sample(
    connection: &mut PgConnection,
    sha256: &str,
    hashes: &Hashes,
    file_type: &str,
) -> Result<(), AnalysisError> {
    sqlx::query(
        "UPDATE analysis.samples SET md5 = $2, sha1 = $3, ssdeep = $4, tlsh = $5, imphash = $6, \
         file_type = $7 WHERE sha256 = $1",
    )
    .bind(sha256)
    .bind(&hashes.md5)
    .bind(&hashes.sha1)
    .bind(&hashes.ssdeep)
    .bind(&hashes.tlsh)
    .bind(&hashes.imphash)
    .bind(file_type)
    .execute(&mut *connection)
    .await?;
    let ngrams = hashes
        .ssdeep
        .as_deref()
        .map(nexus_engine::similarity::ssdeep_ngrams)
        .unwrap_or_default();
    let (block_sizes, grams): (Vec<i64>, Vec<i64>) = ngrams.into_iter().unzip();
    sqlx::query(
        "INSERT INTO analysis.ssdeep_ngrams (block_size, ngram, sha256) \
         SELECT block_size, ngram, $3 FROM unnest($1::bigint[], $2::bigint[]) AS t(block_size, ngram) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&block_sizes)
    .bind(&grams)
    .bind(sha256)
    .execute(&mut *connection)
    .await?;
    let bands = hashes
        .tlsh
        .as_deref()
        .map(nexus_engine::similarity::tlsh_bands)
        .unwrap_or_default();
    let (band_ids, values): (Vec<i16>, Vec<String>) = bands.into_iter().unzip();
    sqlx::query(
        "INSERT INTO analysis.tlsh_bands (band, value, sha256) \
         SELECT band, value, $3 FROM unnest($1::smallint[], $2::text[]) AS t(band, value) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&band_ids)
    .bind(&values)
    .bind(sha256)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// One analysis, with its report when `with_report`.
#[tracing::instrument(skip_all, fields(analysis_id = %id))]
pub async fn analysis(
    pool: &PgPool,
    id: Uuid,
    with_report: bool,
) -> Result<Option<AnalysisView>, AnalysisError> {
    let row = sqlx::query(
        "SELECT id, sha256, status, stage, ruleset_version, verdict, score, error, created_at, \
         started_at, completed_at, CASE WHEN $2 THEN report END AS report \
         FROM analysis.analyses WHERE id = $1",
    )
    .bind(id)
    .bind(with_report)
    .fetch_optional(pool)
    .await?;
    row.map(|row| analysis_view(&row)).transpose()
}

/// The most recent analysis of a sample, without its report.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn latest_analysis(
    pool: &PgPool,
    sha256: &str,
) -> Result<Option<AnalysisView>, AnalysisError> {
    let row = sqlx::query(
        "SELECT id, sha256, status, stage, ruleset_version, verdict, score, error, created_at, \
         started_at, completed_at, NULL::jsonb AS report \
         FROM analysis.analyses WHERE sha256 = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(sha256)
    .fetch_optional(pool)
    .await?;
    row.map(|row| analysis_view(&row)).transpose()
}

fn analysis_view(row: &sqlx::postgres::PgRow) -> Result<AnalysisView, AnalysisError> {
    let verdict: Option<String> = row.try_get("verdict")?;
    let score: Option<i16> = row.try_get("score")?;
    let report: Option<serde_json::Value> = row.try_get("report")?;
    Ok(AnalysisView {
        id: row.try_get("id")?,
        sha256: row.try_get("sha256")?,
        status: parse_status(&row.try_get::<String, _>("status")?)?,
        stage: row.try_get("stage")?,
        ruleset_version: row.try_get("ruleset_version")?,
        verdict: verdict.as_deref().map(parse_verdict).transpose()?,
        score: score.and_then(|score| u8::try_from(score).ok()),
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        completed_at: row.try_get("completed_at")?,
        report: report
            .map(serde_json::from_value::<AnalysisReport>)
            .transpose()
            .map_err(|error| AnalysisError::Corrupt(error.to_string()))?
            .map(Box::new),
    })
}

/// The report of an analysis (finished ones only).
#[tracing::instrument(skip_all, fields(analysis_id = %id))]
pub async fn report(pool: &PgPool, id: Uuid) -> Result<Option<AnalysisReport>, AnalysisError> {
    let value: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT report FROM analysis.analyses WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .flatten();
    value
        .map(serde_json::from_value)
        .transpose()
        .map_err(|error| AnalysisError::Corrupt(error.to_string()))
}

/// A stored sample's row.
#[derive(Debug, Clone)]
pub struct SampleRow {
    /// SHA-256.
    pub sha256: String,
    /// Size.
    pub size: i64,
    /// Hashes, once analysed.
    pub md5: Option<String>,
    /// SHA-1.
    pub sha1: Option<String>,
    /// ssdeep, TLSH and imphash.
    pub fuzzy: FuzzyHashes,
    /// Detected type.
    pub file_type: Option<String>,
    /// Uploads.
    pub upload_count: i64,
    /// First upload.
    pub first_seen: DateTime<Utc>,
    /// Latest upload.
    pub last_seen: DateTime<Utc>,
}

/// A sample's row, `None` when not stored.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn sample(pool: &PgPool, sha256: &str) -> Result<Option<SampleRow>, AnalysisError> {
    let row = sqlx::query(
        "SELECT sha256, size, md5, sha1, ssdeep, tlsh, imphash, file_type, upload_count, \
         first_seen, last_seen FROM analysis.samples WHERE sha256 = $1",
    )
    .bind(sha256)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(SampleRow {
            sha256: row.try_get("sha256")?,
            size: row.try_get("size")?,
            md5: row.try_get("md5")?,
            sha1: row.try_get("sha1")?,
            fuzzy: fuzzy_of(&row)?,
            file_type: row.try_get("file_type")?,
            upload_count: row.try_get("upload_count")?,
            first_seen: row.try_get("first_seen")?,
            last_seen: row.try_get("last_seen")?,
        })
    })
    .transpose()
}

fn fuzzy_of(row: &sqlx::postgres::PgRow) -> Result<FuzzyHashes, sqlx::Error> {
    Ok(FuzzyHashes {
        sha256: row.try_get("sha256")?,
        ssdeep: row.try_get("ssdeep")?,
        tlsh: row.try_get("tlsh")?,
        imphash: row.try_get("imphash")?,
    })
}

/// The candidate query of similar-file search (`$1` sha256, `$2` imphash, `$3` cap per index):
/// only index lookups — public so a test can `EXPLAIN` it.
pub const SIMILAR_CANDIDATES_SQL: &str = "WITH candidates AS ( \
             (SELECT other.sha256 FROM analysis.ssdeep_ngrams mine \
              JOIN analysis.ssdeep_ngrams other \
                ON other.block_size = mine.block_size AND other.ngram = mine.ngram \
              WHERE mine.sha256 = $1 AND other.sha256 <> $1 LIMIT $3) \
             UNION \
             (SELECT other.sha256 FROM analysis.tlsh_bands mine \
              JOIN analysis.tlsh_bands other ON other.band = mine.band AND other.value = mine.value \
              WHERE mine.sha256 = $1 AND other.sha256 <> $1 LIMIT $3) \
             UNION \
             (SELECT sha256 FROM analysis.samples WHERE imphash = $2 AND sha256 <> $1 LIMIT $3) \
         ) \
         SELECT s.sha256, s.ssdeep, s.tlsh, s.imphash FROM analysis.samples s \
         JOIN candidates c ON c.sha256 = s.sha256";

/// Samples that may be similar to `sha256`, found through the three indexes only: a shared
/// ssdeep 7-gram at the same block size, a shared TLSH band, or an equal imphash.
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub async fn similar_candidates(
    pool: &PgPool,
    sha256: &str,
    imphash: Option<&str>,
) -> Result<Vec<FuzzyHashes>, AnalysisError> {
    let rows = sqlx::query(SIMILAR_CANDIDATES_SQL)
        .bind(sha256)
        .bind(imphash)
        .bind(CANDIDATE_CAP)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| fuzzy_of(row).map_err(AnalysisError::from))
        .collect()
}

/// Analyses waiting or running (the queue depth the platform scales on).
pub async fn queue_depth(pool: &PgPool) -> Result<i64, AnalysisError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM analysis.analyses WHERE status IN ('queued', 'running')",
    )
    .fetch_one(pool)
    .await?)
}

fn parse_status(text: &str) -> Result<AnalysisStatus, AnalysisError> {
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
