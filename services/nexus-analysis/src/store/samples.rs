//! Samples: who may read them (visibility facts), their rows, and the similarity indexes the
//! worker fills and similar-file search reads.

use chrono::{DateTime, Utc};
use nexus_core::Sha256;
use nexus_proto::report::Hashes;
use sqlx::PgConnection;

use super::{Store, stored_sha256};
use crate::domain::similar::FuzzyHashes;
use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;

/// Candidates read per similarity index before scoring.
const CANDIDATE_CAP: i64 = 1_000;

/// The candidate query of similar-file search (`$1` sha256, `$2` imphash, `$3` cap per index):
/// only index lookups. Public so a test can `EXPLAIN` the text the store runs.
pub const SIMILAR_CANDIDATES_SQL: &str = include_str!("similar_candidates.sql");

/// A stored sample's row.
#[derive(Debug, Clone)]
pub struct SampleRow {
    /// The sample's address.
    pub sha256: Sha256,
    /// Length of the stored bytes.
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

/// A row of [`SIMILAR_CANDIDATES_SQL`] as the database returns it, before its address is
/// checked.
struct CandidateRow {
    sha256: String,
    ssdeep: Option<String>,
    tlsh: Option<String>,
    imphash: Option<String>,
}

impl Store {
    /// The visibility facts of the samples in `sha256s` as seen by `subject` (`None`: a
    /// guest); samples that are not stored are left out.
    #[tracing::instrument(skip_all)]
    pub async fn samples_access(
        &self,
        sha256s: &[Sha256],
        subject: Option<&str>,
    ) -> Result<Vec<SampleAccess>, AnalysisError> {
        let texts: Vec<String> = sha256s.iter().map(|sha256| sha256.to_string()).collect();
        let rows = sqlx::query!(
            r#"SELECT s.sha256, s.is_public, s.is_bounty_artifact,
             EXISTS (SELECT 1 FROM analysis.uploads u WHERE u.sha256 = s.sha256 AND u.user_id = $2)
               AS "uploaded_by_caller!"
             FROM analysis.samples s WHERE s.sha256 = ANY($1)"#,
            &texts,
            subject,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(SampleAccess {
                    sha256: stored_sha256(row.sha256)?,
                    is_public: row.is_public,
                    is_bounty_artifact: row.is_bounty_artifact,
                    uploaded_by_caller: row.uploaded_by_caller,
                })
            })
            .collect()
    }

    /// The visibility facts of one sample as seen by `subject`; `None` when it is not stored.
    pub async fn sample_access(
        &self,
        sha256: &Sha256,
        subject: Option<&str>,
    ) -> Result<Option<SampleAccess>, AnalysisError> {
        Ok(self
            .samples_access(std::slice::from_ref(sha256), subject)
            .await?
            .into_iter()
            .next())
    }

    /// Marks `sha256` as a bounty's artifact (analysts may read it from now on) when it is
    /// stored and `user_id` may use it: an uploader of it, or it is public. Returns its address
    /// and size; `None` (and nothing written) otherwise. Marking again changes nothing.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn mark_bounty_artifact(
        &self,
        sha256: &Sha256,
        user_id: &str,
    ) -> Result<Option<(Sha256, i64)>, AnalysisError> {
        let row = sqlx::query!(
            "UPDATE analysis.samples s SET is_bounty_artifact = true \
             WHERE s.sha256 = $1 AND (s.is_public OR EXISTS (SELECT 1 FROM analysis.uploads u \
             WHERE u.sha256 = s.sha256 AND u.user_id = $2)) RETURNING s.sha256, s.size",
            sha256.as_str(),
            user_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((stored_sha256(row.sha256)?, row.size)))
            .transpose()
    }

    /// A sample's row, `None` when not stored.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn sample(&self, sha256: &Sha256) -> Result<Option<SampleRow>, AnalysisError> {
        let row = sqlx::query!(
            "SELECT sha256, size, md5, sha1, ssdeep, tlsh, imphash, file_type, upload_count, \
             first_seen, last_seen FROM analysis.samples WHERE sha256 = $1",
            sha256.as_str(),
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let sha256 = stored_sha256(row.sha256)?;
            Ok(SampleRow {
                fuzzy: FuzzyHashes {
                    sha256: sha256.clone(),
                    ssdeep: row.ssdeep,
                    tlsh: row.tlsh,
                    imphash: row.imphash,
                },
                sha256,
                size: row.size,
                md5: row.md5,
                sha1: row.sha1,
                file_type: row.file_type,
                upload_count: row.upload_count,
                first_seen: row.first_seen,
                last_seen: row.last_seen,
            })
        })
        .transpose()
    }

    /// Samples that may be similar to `sha256`, found through the three indexes only: a shared
    /// ssdeep 7-gram at the same block size, a shared TLSH band, or an equal imphash.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn similar_candidates(
        &self,
        sha256: &Sha256,
        imphash: Option<&str>,
    ) -> Result<Vec<FuzzyHashes>, AnalysisError> {
        let rows = sqlx::query_file_as!(
            CandidateRow,
            "src/store/similar_candidates.sql",
            sha256.as_str(),
            imphash,
            CANDIDATE_CAP,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(FuzzyHashes {
                    sha256: stored_sha256(row.sha256)?,
                    ssdeep: row.ssdeep,
                    tlsh: row.tlsh,
                    imphash: row.imphash,
                })
            })
            .collect()
    }
}

/// Stores a sample's hashes and type, and its similarity index keys (in the transaction that
/// finishes its analysis).
#[tracing::instrument(skip_all, fields(sha256 = %sha256))]
pub(super) async fn index_sample(
    connection: &mut PgConnection,
    sha256: &Sha256,
    hashes: &Hashes,
    file_type: &str,
) -> Result<(), AnalysisError> {
    sqlx::query!(
        "UPDATE analysis.samples SET md5 = $2, sha1 = $3, ssdeep = $4, tlsh = $5, imphash = $6, \
         file_type = $7 WHERE sha256 = $1",
        sha256.as_str(),
        hashes.md5,
        hashes.sha1,
        hashes.ssdeep,
        hashes.tlsh,
        hashes.imphash,
        file_type,
    )
    .execute(&mut *connection)
    .await?;
    let ngrams = hashes
        .ssdeep
        .as_deref()
        .map(nexus_engine::similarity::ssdeep_ngrams)
        .unwrap_or_default();
    let (block_sizes, grams): (Vec<i64>, Vec<i64>) = ngrams.into_iter().unzip();
    sqlx::query!(
        "INSERT INTO analysis.ssdeep_ngrams (block_size, ngram, sha256) \
         SELECT block_size, ngram, $3 FROM unnest($1::bigint[], $2::bigint[]) AS t(block_size, ngram) \
         ON CONFLICT DO NOTHING",
        &block_sizes,
        &grams,
        sha256.as_str(),
    )
    .execute(&mut *connection)
    .await?;
    let bands = hashes
        .tlsh
        .as_deref()
        .map(nexus_engine::similarity::tlsh_bands)
        .unwrap_or_default();
    let (band_ids, values): (Vec<i16>, Vec<String>) = bands.into_iter().unzip();
    sqlx::query!(
        "INSERT INTO analysis.tlsh_bands (band, value, sha256) \
         SELECT band, value, $3 FROM unnest($1::smallint[], $2::text[]) AS t(band, value) \
         ON CONFLICT DO NOTHING",
        &band_ids,
        &values,
        sha256.as_str(),
    )
    .execute(&mut *connection)
    .await?;
    Ok(())
}
