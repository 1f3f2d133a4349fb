//! Retrohunts: creation under the owner's daily quota, the walk over the samples an owner may
//! read, chunk results (with the next chunk's job in the outbox) and views.

use chrono::{DateTime, Utc};
use nexus_proto::analysis::{RetrohuntMatch, RetrohuntRequested, RetrohuntStatus, RetrohuntView};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Store, stored_sha256};
use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;

/// Retrohunt matches returned in a view.
const RETROHUNT_MATCHES_SHOWN: i64 = 1_000;

/// A retrohunt about to be created.
#[derive(Debug)]
pub struct NewRetrohunt<'a> {
    /// Its id.
    pub id: Uuid,
    /// The owner's account id.
    pub owner: &'a str,
    /// The owner's role now (the hunt reads samples as this principal).
    pub owner_role: nexus_core::Role,
    /// When the owner's role (and active status) were last known current: the issue time of
    /// the token that created the hunt. A revocation mark of the owner later than this makes
    /// the next chunk read the account again ([`crate::retrohunt`]).
    pub owner_checked_at: DateTime<Utc>,
    /// The YARA source it runs.
    pub source: &'a str,
    /// The stored ruleset the source came from, if any.
    pub ruleset_id: Option<i64>,
}

/// What an owner's hunts of the last day used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrohuntUsage {
    /// Hunts created.
    pub hunts: i64,
    /// Bytes they scanned.
    pub bytes: i64,
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
    /// The owner's role as last known (at creation, or at the last re-read of the account).
    pub owner_role: nexus_core::Role,
    /// When `owner_role` (and an active status) were last known current.
    pub owner_checked_at: DateTime<Utc>,
    /// Bytes scanned so far.
    pub bytes_scanned: i64,
    /// The most bytes it may scan.
    pub bytes_budget: i64,
}

/// A sample a hunt walks past: its visibility facts for the hunt's owner, and its size.
#[derive(Debug, Clone)]
pub struct HuntCandidate {
    /// Visibility facts as seen by the hunt's owner.
    pub access: SampleAccess,
    /// Size in bytes.
    pub size: i64,
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

impl Store {
    /// Creates a queued retrohunt with its first chunk's job in the outbox, and returns its
    /// view as created. `admit` sees the owner's usage of the last day and returns the most
    /// bytes the hunt may scan, or refuses it (a quota); it runs under a lock that serialises
    /// one owner's concurrent creations, so two of them cannot both pass the last slot.
    #[tracing::instrument(skip_all, fields(retrohunt_id = %hunt.id))]
    pub async fn create_retrohunt(
        &self,
        hunt: &NewRetrohunt<'_>,
        admit: impl FnOnce(RetrohuntUsage) -> Result<i64, AnalysisError> + Send,
    ) -> Result<RetrohuntView, AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        // Held until the transaction ends.
        sqlx::query!(
            "SELECT pg_advisory_xact_lock(hashtext('analysis.retrohunts:' || $1))",
            hunt.owner,
        )
        .execute(&mut *transaction)
        .await?;
        let usage = sqlx::query_as!(
            RetrohuntUsage,
            r#"SELECT count(*) AS "hunts!", coalesce(sum(bytes_scanned), 0)::bigint AS "bytes!"
             FROM analysis.retrohunts WHERE owner = $1 AND created_at > now() - interval '1 day'"#,
            hunt.owner,
        )
        .fetch_one(&mut *transaction)
        .await?;
        let bytes_budget = admit(usage)?;
        sqlx::query!(
            "INSERT INTO analysis.retrohunts \
             (id, owner, owner_role, owner_checked_at, source, ruleset_id, bytes_budget, total) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
            hunt.id,
            hunt.owner,
            hunt.owner_role.as_str(),
            hunt.owner_checked_at,
            hunt.source,
            hunt.ruleset_id,
            bytes_budget,
        )
        .execute(&mut *transaction)
        .await?;
        let job = RetrohuntRequested {
            retrohunt_id: hunt.id,
        };
        self.outbox
            .enqueue_event(&mut transaction, job, None)
            .await?;
        // Read before committing: once committed, a fast worker may finish the hunt before the
        // answer is built, and the creation answer must describe the creation (`queued`).
        let view = retrohunt_view(&mut transaction, hunt.id)
            .await?
            .ok_or(AnalysisError::RetrohuntNotFound(hunt.id))?;
        transaction.commit().await?;
        Ok(view)
    }

    /// The owner of a retrohunt; `None` when it does not exist.
    pub async fn retrohunt_owner(&self, id: Uuid) -> Result<Option<String>, AnalysisError> {
        Ok(
            sqlx::query_scalar!("SELECT owner FROM analysis.retrohunts WHERE id = $1", id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A retrohunt with its first matches.
    pub async fn retrohunt(&self, id: Uuid) -> Result<Option<RetrohuntView>, AnalysisError> {
        let mut connection = self.pool.acquire().await?;
        retrohunt_view(&mut connection, id).await
    }

    /// A retrohunt's job data.
    pub async fn retrohunt_job(&self, id: Uuid) -> Result<Option<RetrohuntJob>, AnalysisError> {
        let row = sqlx::query!(
            "SELECT status, source, cursor_sha256, owner, owner_role, owner_checked_at, \
             bytes_scanned, bytes_budget FROM analysis.retrohunts WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(RetrohuntJob {
                status: parse_retrohunt_status(&row.status)?,
                source: row.source,
                cursor: row.cursor_sha256,
                owner: row.owner,
                owner_role: row.owner_role.parse().map_err(|_| {
                    AnalysisError::Corrupt(format!("owner role {:?}", row.owner_role))
                })?,
                owner_checked_at: row.owner_checked_at,
                bytes_scanned: row.bytes_scanned,
                bytes_budget: row.bytes_budget,
            })
        })
        .transpose()
    }

    /// The next `limit` samples after `cursor` with their visibility facts for `owner`, in
    /// SHA-256 order. The caller asks the policies which of them the owner may read.
    pub async fn hunt_candidates_after(
        &self,
        cursor: &str,
        limit: i64,
        owner: &str,
    ) -> Result<Vec<HuntCandidate>, AnalysisError> {
        let rows = sqlx::query!(
            r#"SELECT s.sha256, s.size, s.is_public, s.is_bounty_artifact,
             EXISTS (SELECT 1 FROM analysis.uploads u WHERE u.sha256 = s.sha256 AND u.user_id = $3)
               AS "uploaded_by_caller!"
             FROM analysis.samples s WHERE s.sha256 > $1 ORDER BY s.sha256 LIMIT $2"#,
            cursor,
            limit,
            owner,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(HuntCandidate {
                    access: SampleAccess {
                        sha256: stored_sha256(row.sha256)?,
                        is_public: row.is_public,
                        is_bounty_artifact: row.is_bounty_artifact,
                        uploaded_by_caller: row.uploaded_by_caller,
                    },
                    size: row.size,
                })
            })
            .collect()
    }

    /// Saves a chunk's matches and progress, only if the cursor is still where the chunk
    /// started (a redelivered chunk that another worker already saved changes nothing), and
    /// queues the next chunk unless the hunt is done; one transaction. Returns whether it
    /// was saved.
    #[tracing::instrument(skip_all, fields(retrohunt_id = %id))]
    pub async fn save_retrohunt_chunk(
        &self,
        id: Uuid,
        started_at_cursor: &str,
        chunk: &RetrohuntChunk<'_>,
    ) -> Result<bool, AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        let updated = sqlx::query!(
            "UPDATE analysis.retrohunts \
             SET status = CASE WHEN $4 THEN 'completed' ELSE 'running' END, \
             scanned = scanned + $3, cursor_sha256 = $5, \
             total = GREATEST(total, scanned + $3), \
             skipped = skipped + $6, bytes_scanned = bytes_scanned + $7, \
             error = coalesce($8, error), \
             completed_at = CASE WHEN $4 THEN now() END \
             WHERE id = $1 AND cursor_sha256 = $2 AND status IN ('queued', 'running')",
            id,
            started_at_cursor,
            chunk.scanned,
            chunk.done,
            chunk.cursor,
            chunk.skipped,
            chunk.bytes,
            chunk.stopped,
        )
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        let saved = updated != 0;
        if saved {
            for found in chunk.matches {
                sqlx::query!(
                    "INSERT INTO analysis.retrohunt_matches (retrohunt_id, sha256, rules) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    id,
                    found.sha256.as_str(),
                    &found.rules,
                )
                .execute(&mut *transaction)
                .await?;
            }
            if !chunk.done {
                let next = RetrohuntRequested { retrohunt_id: id };
                self.outbox
                    .enqueue_event(&mut transaction, next, None)
                    .await?;
            }
        }
        transaction.commit().await?;
        Ok(saved)
    }

    /// Records the owner's role as read from nexus-user at `checked_at`, while the hunt is
    /// unfinished: later chunks read samples as this role.
    pub async fn recheck_retrohunt_owner(
        &self,
        id: Uuid,
        role: nexus_core::Role,
        checked_at: DateTime<Utc>,
    ) -> Result<(), AnalysisError> {
        sqlx::query!(
            "UPDATE analysis.retrohunts SET owner_role = $2, \
             owner_checked_at = GREATEST(owner_checked_at, $3) \
             WHERE id = $1 AND status IN ('queued', 'running')",
            id,
            role.as_str(),
            checked_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a retrohunt failed.
    pub async fn fail_retrohunt(&self, id: Uuid, error: &str) -> Result<(), AnalysisError> {
        sqlx::query!(
            "UPDATE analysis.retrohunts SET status = 'failed', error = $2, completed_at = now() \
             WHERE id = $1 AND status IN ('queued', 'running')",
            id,
            error,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A retrohunt with its first matches, read on `connection`.
async fn retrohunt_view(
    connection: &mut PgConnection,
    id: Uuid,
) -> Result<Option<RetrohuntView>, AnalysisError> {
    let Some(row) = sqlx::query!(
        "SELECT id, status, total, scanned, skipped, bytes_scanned, error, created_at, \
         completed_at FROM analysis.retrohunts WHERE id = $1",
        id,
    )
    .fetch_optional(&mut *connection)
    .await?
    else {
        return Ok(None);
    };
    let matches = sqlx::query!(
        "SELECT sha256, rules FROM analysis.retrohunt_matches WHERE retrohunt_id = $1 \
         ORDER BY sha256 LIMIT $2",
        id,
        RETROHUNT_MATCHES_SHOWN,
    )
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|row| {
        Ok(RetrohuntMatch {
            sha256: stored_sha256(row.sha256)?,
            rules: row.rules,
        })
    })
    .collect::<Result<_, AnalysisError>>()?;
    Ok(Some(RetrohuntView {
        id: row.id,
        status: parse_retrohunt_status(&row.status)?,
        total: row.total,
        scanned: row.scanned,
        skipped: row.skipped,
        bytes_scanned: row.bytes_scanned,
        matches,
        error: row.error,
        created_at: row.created_at,
        completed_at: row.completed_at,
    }))
}

fn parse_retrohunt_status(text: &str) -> Result<RetrohuntStatus, AnalysisError> {
    RetrohuntStatus::parse(text)
        .ok_or_else(|| AnalysisError::Corrupt(format!("retrohunt status {text:?}")))
}
