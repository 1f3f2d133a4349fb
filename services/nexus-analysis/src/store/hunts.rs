//! Retrohunts and rulesets: creation, quotas, the walk over the samples an owner may read,
//! chunk results and views.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::analysis::{RetrohuntMatch, RetrohuntStatus, RetrohuntView};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::sample_access_of;
use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;

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

fn parse_retrohunt_status(text: &str) -> Result<RetrohuntStatus, AnalysisError> {
    RetrohuntStatus::parse(text)
        .ok_or_else(|| AnalysisError::Corrupt(format!("retrohunt status {text:?}")))
}
