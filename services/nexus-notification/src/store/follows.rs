//! Followed files (`notification.follows`) and the last verdict known of each
//! (`notification.file_verdicts`). The fan-out reads a file's followers in one query (the primary
//! key starts with the file), and the audiences of `bounty.opened` in one query over the settings.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Store, db};
use crate::domain::sources::{Verdict, VerdictNews};
use crate::error::NotificationError;

/// A file a user follows, with its last known verdict.
#[derive(Debug, Clone)]
pub struct FollowRow {
    /// The file.
    pub sha256: String,
    /// `explicit` or `upload`.
    pub via: String,
    /// Since when.
    pub created_at: DateTime<Utc>,
    /// The last verdict known.
    pub verdict: Option<String>,
}

impl Store {
    /// `user_id` follows `sha256` (a follow that came from an upload becomes explicit).
    pub async fn follow(
        &self,
        user_id: Uuid,
        sha256: &str,
    ) -> Result<FollowRow, NotificationError> {
        sqlx::query!(
            "INSERT INTO notification.follows (sha256, user_id, via) VALUES ($1, $2, 'explicit') \
             ON CONFLICT (sha256, user_id) DO UPDATE SET via = 'explicit'",
            sha256,
            user_id,
        )
        .execute(self.pool())
        .await
        .map_err(db)?;
        self.following(user_id, sha256)
            .await?
            .ok_or_else(|| NotificationError::Internal("a follow vanished".to_owned()))
    }

    /// `user_id` stops following `sha256`; whether they did.
    pub async fn unfollow(&self, user_id: Uuid, sha256: &str) -> Result<bool, NotificationError> {
        let done = sqlx::query!(
            "DELETE FROM notification.follows WHERE sha256 = $1 AND user_id = $2",
            sha256,
            user_id,
        )
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    /// `user_id`'s follow of `sha256`, if any.
    pub async fn following(
        &self,
        user_id: Uuid,
        sha256: &str,
    ) -> Result<Option<FollowRow>, NotificationError> {
        sqlx::query_as!(
            FollowRow,
            r#"SELECT f.sha256, f.via, f.created_at, v.verdict AS "verdict?"
               FROM notification.follows f
               LEFT JOIN notification.file_verdicts v ON v.sha256 = f.sha256
               WHERE f.sha256 = $1 AND f.user_id = $2"#,
            sha256,
            user_id,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(db)
    }
}

/// Follows `sha256` for `user_id` if they follow their uploads (an explicit follow stays).
pub(super) async fn follow_upload(
    connection: &mut PgConnection,
    user_id: Uuid,
    sha256: &str,
) -> Result<(), NotificationError> {
    sqlx::query!(
        "INSERT INTO notification.follows (sha256, user_id, via) \
         SELECT $1, $2, 'upload' WHERE EXISTS ( \
             SELECT 1 FROM notification.user_settings WHERE user_id = $2 AND follow_uploads) \
         ON CONFLICT (sha256, user_id) DO NOTHING",
        sha256,
        user_id,
    )
    .execute(&mut *connection)
    .await
    .map_err(db)?;
    Ok(())
}

/// Stores `news` as the file's verdict; the one it replaces, if any. The row is locked, so two
/// events about one file compare in turn.
pub(super) async fn record_verdict(
    connection: &mut PgConnection,
    news: &VerdictNews,
    source_event: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<Verdict>, NotificationError> {
    let old = sqlx::query_scalar!(
        "SELECT verdict FROM notification.file_verdicts WHERE sha256 = $1 FOR UPDATE",
        news.sha256,
    )
    .fetch_optional(&mut *connection)
    .await
    .map_err(db)?;
    sqlx::query!(
        "INSERT INTO notification.file_verdicts (sha256, verdict, source, source_event, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sha256) DO UPDATE SET verdict = $2, source = $3, source_event = $4, \
             updated_at = $5",
        news.sha256,
        news.verdict.as_str(),
        news.source,
        source_event,
        at,
    )
    .execute(&mut *connection)
    .await
    .map_err(db)?;
    Ok(old.as_deref().and_then(Verdict::parse))
}

/// Every follower of `sha256`.
pub(super) async fn followers(
    connection: &mut PgConnection,
    sha256: &str,
) -> Result<Vec<Uuid>, NotificationError> {
    sqlx::query_scalar!(
        "SELECT user_id FROM notification.follows WHERE sha256 = $1",
        sha256
    )
    .fetch_all(&mut *connection)
    .await
    .map_err(db)
}

/// The analysts whose interests match a bounty of `artifact_kind` with `reward` wei.
pub(super) async fn interested(
    connection: &mut PgConnection,
    artifact_kind: &str,
    reward: &str,
) -> Result<Vec<Uuid>, NotificationError> {
    if reward.is_empty() || !reward.bytes().all(|byte| byte.is_ascii_digit()) || reward.len() > 39 {
        return Err(NotificationError::Malformed(format!("reward {reward:?}")));
    }
    sqlx::query_scalar!(
        "SELECT user_id FROM notification.user_settings \
         WHERE $1 = ANY (interest_artifact_kinds) \
           AND (interest_min_reward IS NULL OR interest_min_reward <= ($2::text)::numeric)",
        artifact_kind,
        reward,
    )
    .fetch_all(&mut *connection)
    .await
    .map_err(db)
}
