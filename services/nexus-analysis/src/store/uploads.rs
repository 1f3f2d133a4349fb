//! Uploads: one transaction records the sample and its uploader and queues the analysis that
//! covers these bytes under the current rules.

use nexus_core::Sha256;
use nexus_proto::analysis::SampleVisibility;
use uuid::Uuid;

use super::{Queued, Store};
use crate::error::AnalysisError;

/// An upload whose bytes are in the sample store.
#[derive(Debug)]
pub struct NewUpload<'a> {
    /// The sample.
    pub sha256: &'a Sha256,
    /// Its size in bytes.
    pub size: u64,
    /// The uploader's account id.
    pub user_id: &'a str,
    /// What the uploader chose.
    pub visibility: SampleVisibility,
    /// The rules version the analysis runs with.
    pub ruleset_version: &'a str,
}

/// What recording an upload came to.
#[derive(Debug, Clone, Copy)]
pub struct UploadRecorded {
    /// The sample's visibility now.
    pub visibility: SampleVisibility,
    /// The analysis that covers the sample.
    pub queued: Queued,
}

impl Store {
    /// Records the upload: inserts the sample or counts one more upload, inserts or
    /// refreshes the uploader's row (a public upload makes the sample public; nothing makes
    /// it private again), and queues analysis `analysis_id` with its job in the outbox unless
    /// one exists for these bytes and rules. One transaction.
    #[tracing::instrument(skip_all, fields(sha256 = %upload.sha256))]
    pub async fn record_upload(
        &self,
        upload: &NewUpload<'_>,
        analysis_id: Uuid,
        traceparent: Option<&str>,
    ) -> Result<UploadRecorded, AnalysisError> {
        let public = upload.visibility == SampleVisibility::Public;
        let mut transaction = self.pool.begin().await?;
        let is_public = sqlx::query_scalar!(
            "INSERT INTO analysis.samples (sha256, size, is_public) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256) DO UPDATE SET upload_count = samples.upload_count + 1, \
             last_seen = now(), is_public = samples.is_public OR excluded.is_public \
             RETURNING is_public",
            upload.sha256.as_str(),
            i64::try_from(upload.size).unwrap_or(i64::MAX),
            public,
        )
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query!(
            "INSERT INTO analysis.uploads (sha256, user_id, visibility) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256, user_id) DO UPDATE SET last_uploaded_at = now(), \
             visibility = CASE WHEN uploads.visibility = 'public' \
                          OR excluded.visibility = 'public' THEN 'public' ELSE 'private' END",
            upload.sha256.as_str(),
            upload.user_id,
            upload.visibility.as_str(),
        )
        .execute(&mut *transaction)
        .await?;
        let queued = self
            .queue_analysis_in(
                &mut transaction,
                analysis_id,
                upload.sha256,
                upload.user_id,
                upload.ruleset_version,
                traceparent,
            )
            .await?;
        transaction.commit().await?;
        Ok(UploadRecorded {
            visibility: if is_public {
                SampleVisibility::Public
            } else {
                SampleVisibility::Private
            },
            queued,
        })
    }
}
