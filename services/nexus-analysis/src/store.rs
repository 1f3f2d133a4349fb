//! The service's SQL (schema `analysis`), parameterized queries only.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::analysis::{
    AnalysisStatus, AnalysisView, RetrohuntMatch, RetrohuntStatus, RetrohuntView, SampleVisibility,
};
use nexus_proto::report::{AnalysisReport, Hashes, VerdictHint};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::domain::similar::FuzzyHashes;
use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;

/// Candidates read per similarity index before scoring.
const CANDIDATE_CAP: i64 = 1_000;
/// Retrohunt matches returned in a view.
const RETROHUNT_MATCHES_SHOWN: i64 = 1_000;

/// Stores a user ruleset; `RulesetExists` when the name is taken.
#[tracing::instrument(skip_all, fields(name = %name))]
pub async fn insert_ruleset(
    connection: &mut PgConnection,
    name: &str,
    owner: &str,
    source: &str,
) -> Result<(i64, DateTime<Utc>), AnalysisError> {
    let row = sqlx::query(
        "INSERT INTO analysis.rulesets (name, owner, source) VALUES ($1, $2, $3) \
         RETURNING id, created_at",
    )
    .bind(name)
    .bind(owner)
    .bind(source)
    .fetch_one(connection)
    .await
    .map_err(|error| match DbError::from(error) {
        DbError::Conflict { .. } => AnalysisError::RulesetExists(name.to_owned()),
        other => AnalysisError::Database(other),
    })?;
    Ok((row.try_get("id")?, row.try_get("created_at")?))
}

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

fn sample_access_of(row: &sqlx::postgres::PgRow) -> Result<SampleAccess, sqlx::Error> {
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

/// Marks an unfinished analysis as running at `stage`.
#[tracing::instrument(skip_all, fields(analysis_id = %id, stage = %stage))]
pub async fn mark_running(pool: &PgPool, id: Uuid, stage: &str) -> Result<(), AnalysisError> {
    sqlx::query(
        "UPDATE analysis.analyses SET status = 'running', stage = $2, \
         started_at = coalesce(started_at, now()) \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(stage)
    .execute(pool)
    .await?;
    Ok(())
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

/// A retrohunt about to be created.
#[derive(Debug)]
pub struct NewRetrohunt<'a> {
    /// Its id.
    pub id: Uuid,
    /// The owner's account id.
    pub owner: &'a str,
    /// The owner's role now (the hunt reads samples as this principal).
    pub owner_role: nexus_core::Role,
    /// The YARA source it runs.
    pub source: &'a str,
    /// The stored ruleset the source came from, if any.
    pub ruleset_id: Option<i64>,
    /// The most bytes it may scan (what is left of the owner's daily quota).
    pub bytes_budget: i64,
}

/// Creates a queued retrohunt.
#[tracing::instrument(skip_all, fields(retrohunt_id = %hunt.id))]
pub async fn insert_retrohunt(
    connection: &mut PgConnection,
    hunt: &NewRetrohunt<'_>,
) -> Result<(), AnalysisError> {
    sqlx::query(
        "INSERT INTO analysis.retrohunts \
         (id, owner, owner_role, source, ruleset_id, bytes_budget, total) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(hunt.id)
    .bind(hunt.owner)
    .bind(hunt.owner_role.as_str())
    .bind(hunt.source)
    .bind(hunt.ruleset_id)
    .bind(hunt.bytes_budget)
    .execute(connection)
    .await?;
    Ok(())
}

/// Hunts `owner` created in the last day, and the bytes they scanned.
#[tracing::instrument(skip_all)]
pub async fn retrohunt_usage_today(
    connection: &mut PgConnection,
    owner: &str,
) -> Result<(i64, i64), AnalysisError> {
    let row = sqlx::query(
        "SELECT count(*) AS hunts, coalesce(sum(bytes_scanned), 0)::bigint AS bytes \
         FROM analysis.retrohunts WHERE owner = $1 AND created_at > now() - interval '1 day'",
    )
    .bind(owner)
    .fetch_one(connection)
    .await?;
    Ok((row.try_get("hunts")?, row.try_get("bytes")?))
}

/// Serialises quota checks of one owner's concurrent creations (until the transaction ends).
pub async fn lock_owner_hunts(
    connection: &mut PgConnection,
    owner: &str,
) -> Result<(), AnalysisError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('analysis.retrohunts:' || $1))")
        .bind(owner)
        .execute(connection)
        .await?;
    Ok(())
}

/// The owner of a retrohunt; `None` when it does not exist.
pub async fn retrohunt_owner(
    connection: &mut PgConnection,
    id: Uuid,
) -> Result<Option<String>, AnalysisError> {
    Ok(
        sqlx::query_scalar("SELECT owner FROM analysis.retrohunts WHERE id = $1")
            .bind(id)
            .fetch_optional(connection)
            .await?,
    )
}

/// What a retrohunt worker needs.
#[derive(Debug, Clone)]
pub struct RetrohuntJob {
    /// Status.
    pub status: RetrohuntStatus,
    /// YARA source.
    pub source: String,
    /// Last sample walked ("" before the first).
    pub cursor: String,
    /// The owner's account id.
    pub owner: String,
    /// The owner's role when the hunt was created.
    pub owner_role: nexus_core::Role,
    /// Bytes scanned so far.
    pub bytes_scanned: i64,
    /// The most bytes it may scan.
    pub bytes_budget: i64,
}

/// A retrohunt's job data.
pub async fn retrohunt_job(pool: &PgPool, id: Uuid) -> Result<Option<RetrohuntJob>, AnalysisError> {
    let row = sqlx::query(
        "SELECT status, source, cursor_sha256, owner, owner_role, bytes_scanned, bytes_budget \
         FROM analysis.retrohunts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        let role: String = row.try_get("owner_role")?;
        Ok(RetrohuntJob {
            status: parse_retrohunt_status(&row.try_get::<String, _>("status")?)?,
            source: row.try_get("source")?,
            cursor: row.try_get("cursor_sha256")?,
            owner: row.try_get("owner")?,
            owner_role: role
                .parse()
                .map_err(|_| AnalysisError::Corrupt(format!("owner role {role:?}")))?,
            bytes_scanned: row.try_get("bytes_scanned")?,
            bytes_budget: row.try_get("bytes_budget")?,
        })
    })
    .transpose()
}

/// A sample a hunt walks past: its visibility facts for the hunt's owner, and its size.
#[derive(Debug, Clone)]
pub struct HuntCandidate {
    /// Visibility facts as seen by the hunt's owner.
    pub access: SampleAccess,
    /// Size in bytes.
    pub size: i64,
}

/// The next `limit` samples after `cursor` with their visibility facts for `owner`, in SHA-256
/// order. The caller asks the policies which of them the owner may read.
pub async fn hunt_candidates_after(
    pool: &PgPool,
    cursor: &str,
    limit: i64,
    owner: &str,
) -> Result<Vec<HuntCandidate>, AnalysisError> {
    let rows = sqlx::query(
        "SELECT s.sha256, s.size, s.is_public, s.is_bounty_artifact, \
         EXISTS (SELECT 1 FROM analysis.uploads u WHERE u.sha256 = s.sha256 AND u.user_id = $3) \
           AS uploaded_by_caller \
         FROM analysis.samples s WHERE s.sha256 > $1 ORDER BY s.sha256 LIMIT $2",
    )
    .bind(cursor)
    .bind(limit)
    .bind(owner)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(HuntCandidate {
                access: sample_access_of(row)?,
                size: row.try_get("size")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AnalysisError::from)
}

/// A stored ruleset.
#[derive(Debug, Clone)]
pub struct RulesetRow {
    /// Id.
    pub id: i64,
    /// Name (its YARA namespace).
    pub name: String,
    /// Author's account id.
    pub owner: String,
    /// YARA source.
    pub source: String,
    /// Readable by everyone.
    pub is_public: bool,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// One ruleset; `None` when it does not exist.
#[tracing::instrument(skip_all, fields(ruleset_id = id))]
pub async fn ruleset(pool: &PgPool, id: i64) -> Result<Option<RulesetRow>, AnalysisError> {
    let row = sqlx::query(
        "SELECT id, name, owner, source, is_public, created_at FROM analysis.rulesets WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(RulesetRow {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            owner: row.try_get("owner")?,
            source: row.try_get("source")?,
            is_public: row.try_get("is_public")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .transpose()
    .map_err(|error: sqlx::Error| AnalysisError::from(error))
}

/// One chunk of retrohunt work to commit.
#[derive(Debug)]
pub struct RetrohuntChunk<'a> {
    /// Matches found in the chunk.
    pub matches: &'a [RetrohuntMatch],
    /// Samples scanned in the chunk (readable by the owner).
    pub scanned: i64,
    /// Samples whose scan ran out of time or failed.
    pub skipped: i64,
    /// Bytes scanned in the chunk.
    pub bytes: i64,
    /// The last sample walked.
    pub cursor: &'a str,
    /// Why the hunt stopped early, when it did (recorded in `error`).
    pub stopped: Option<&'a str>,
    /// True when no sample is left.
    pub done: bool,
}

/// Saves a chunk's matches and progress, only if the cursor is still where the chunk started
/// (a redelivered chunk that another worker already saved changes nothing). Returns whether it
/// was saved.
#[tracing::instrument(skip_all, fields(retrohunt_id = %id))]
pub async fn save_retrohunt_chunk(
    connection: &mut PgConnection,
    id: Uuid,
    started_at_cursor: &str,
    chunk: &RetrohuntChunk<'_>,
) -> Result<bool, AnalysisError> {
    let updated = sqlx::query(
        "UPDATE analysis.retrohunts SET status = CASE WHEN $4 THEN 'completed' ELSE 'running' END, \
         scanned = scanned + $3, cursor_sha256 = $5, \
         total = GREATEST(total, scanned + $3), \
         skipped = skipped + $6, bytes_scanned = bytes_scanned + $7, \
         error = coalesce($8, error), \
         completed_at = CASE WHEN $4 THEN now() END \
         WHERE id = $1 AND cursor_sha256 = $2 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(started_at_cursor)
    .bind(chunk.scanned)
    .bind(chunk.done)
    .bind(chunk.cursor)
    .bind(chunk.skipped)
    .bind(chunk.bytes)
    .bind(chunk.stopped)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    for found in chunk.matches {
        sqlx::query(
            "INSERT INTO analysis.retrohunt_matches (retrohunt_id, sha256, rules) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&found.sha256)
        .bind(&found.rules)
        .execute(&mut *connection)
        .await?;
    }
    Ok(true)
}

/// Marks a retrohunt failed.
pub async fn fail_retrohunt(pool: &PgPool, id: Uuid, error: &str) -> Result<(), AnalysisError> {
    sqlx::query(
        "UPDATE analysis.retrohunts SET status = 'failed', error = $2, completed_at = now() \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// A retrohunt with its first matches.
#[tracing::instrument(skip_all, fields(retrohunt_id = %id))]
pub async fn retrohunt(
    connection: &mut PgConnection,
    id: Uuid,
) -> Result<Option<RetrohuntView>, AnalysisError> {
    let Some(row) = sqlx::query(
        "SELECT id, status, total, scanned, skipped, bytes_scanned, error, created_at, \
         completed_at FROM analysis.retrohunts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?
    else {
        return Ok(None);
    };
    let matches = sqlx::query(
        "SELECT sha256, rules FROM analysis.retrohunt_matches WHERE retrohunt_id = $1 \
         ORDER BY sha256 LIMIT $2",
    )
    .bind(id)
    .bind(RETROHUNT_MATCHES_SHOWN)
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|row| {
        Ok(RetrohuntMatch {
            sha256: row.try_get("sha256")?,
            rules: row.try_get("rules")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(RetrohuntView {
        id: row.try_get("id")?,
        status: parse_retrohunt_status(&row.try_get::<String, _>("status")?)?,
        total: row.try_get("total")?,
        scanned: row.try_get("scanned")?,
        skipped: row.try_get("skipped")?,
        bytes_scanned: row.try_get("bytes_scanned")?,
        matches,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        completed_at: row.try_get("completed_at")?,
    }))
}

fn parse_status(text: &str) -> Result<AnalysisStatus, AnalysisError> {
    AnalysisStatus::parse(text).ok_or_else(|| AnalysisError::Corrupt(format!("status {text:?}")))
}

fn parse_retrohunt_status(text: &str) -> Result<RetrohuntStatus, AnalysisError> {
    RetrohuntStatus::parse(text)
        .ok_or_else(|| AnalysisError::Corrupt(format!("retrohunt status {text:?}")))
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
