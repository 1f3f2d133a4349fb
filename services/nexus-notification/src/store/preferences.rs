//! Preferences per kind (`notification.preferences`) and the per-user settings
//! (`notification.user_settings`: follow uploads, bounty interests). A kind without a row uses its
//! default (`domain::preferences`).

use uuid::Uuid;

use super::{Store, db};
use crate::domain::notice::NoticeKind;
use crate::domain::preferences::{Choice, default_choice};
use crate::error::NotificationError;

/// The per-user settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings {
    /// Follow every uploaded file.
    pub follow_uploads: bool,
    /// Artifact kinds of interesting bounties.
    pub artifact_kinds: Vec<String>,
    /// The smallest interesting reward, wei.
    pub min_reward: Option<String>,
}

impl Store {
    /// The stored choices of `user_id` (kinds never changed are absent).
    pub async fn choices(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<(NoticeKind, Choice)>, NotificationError> {
        let rows = sqlx::query!(
            "SELECT kind, in_app, email, webhook, digest FROM notification.preferences \
             WHERE user_id = $1",
            user_id
        )
        .fetch_all(self.pool())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                NoticeKind::parse(&row.kind).map(|kind| {
                    (
                        kind,
                        Choice {
                            in_app: row.in_app,
                            email: row.email,
                            webhook: row.webhook,
                            digest: row.digest,
                        },
                    )
                })
            })
            .collect())
    }

    /// The per-user settings of `user_id` (defaults when never saved).
    pub async fn user_settings(&self, user_id: Uuid) -> Result<UserSettings, NotificationError> {
        let row = sqlx::query!(
            r#"SELECT follow_uploads, interest_artifact_kinds,
                      interest_min_reward::text AS "min_reward?"
               FROM notification.user_settings WHERE user_id = $1"#,
            user_id
        )
        .fetch_optional(self.pool())
        .await
        .map_err(db)?;
        Ok(row
            .map(|row| UserSettings {
                follow_uploads: row.follow_uploads,
                artifact_kinds: row.interest_artifact_kinds,
                min_reward: row.min_reward,
            })
            .unwrap_or_default())
    }

    /// Saves `changes` (one upsert for all of them) and `settings`, in one transaction.
    pub async fn save_preferences(
        &self,
        user_id: Uuid,
        changes: &[(NoticeKind, Choice)],
        settings: &UserSettings,
    ) -> Result<(), NotificationError> {
        let kinds: Vec<String> = changes.iter().map(|(k, _)| k.as_str().to_owned()).collect();
        let in_app: Vec<bool> = changes.iter().map(|(_, c)| c.in_app).collect();
        let email: Vec<bool> = changes.iter().map(|(_, c)| c.email).collect();
        let webhook: Vec<bool> = changes.iter().map(|(_, c)| c.webhook).collect();
        let digest: Vec<bool> = changes.iter().map(|(_, c)| c.digest).collect();
        let mut transaction = self.pool().begin().await.map_err(db)?;
        sqlx::query!(
            "INSERT INTO notification.preferences (user_id, kind, in_app, email, webhook, digest) \
             SELECT $1, * FROM UNNEST($2::text[], $3::bool[], $4::bool[], $5::bool[], $6::bool[]) \
             ON CONFLICT (user_id, kind) DO UPDATE SET in_app = EXCLUDED.in_app, \
                 email = EXCLUDED.email, webhook = EXCLUDED.webhook, digest = EXCLUDED.digest, \
                 updated_at = now()",
            user_id,
            &kinds,
            &in_app,
            &email,
            &webhook,
            &digest,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        sqlx::query!(
            "INSERT INTO notification.user_settings \
                 (user_id, follow_uploads, interest_artifact_kinds, interest_min_reward) \
             VALUES ($1, $2, $3, ($4::text)::numeric) \
             ON CONFLICT (user_id) DO UPDATE SET follow_uploads = $2, \
                 interest_artifact_kinds = $3, interest_min_reward = ($4::text)::numeric, \
                 updated_at = now()",
            user_id,
            settings.follow_uploads,
            &settings.artifact_kinds,
            settings.min_reward,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?;
        transaction.commit().await.map_err(db)?;
        Ok(())
    }

    /// Turns `kind`'s e-mail off for `user_id` (an unsubscribe link), keeping its other channels.
    pub async fn unsubscribe_email(
        &self,
        user_id: Uuid,
        kind: NoticeKind,
    ) -> Result<(), NotificationError> {
        let defaults = default_choice(kind);
        sqlx::query!(
            "INSERT INTO notification.preferences (user_id, kind, in_app, email, webhook, digest) \
             VALUES ($1, $2, $3, false, $4, false) \
             ON CONFLICT (user_id, kind) DO UPDATE SET email = false, updated_at = now()",
            user_id,
            kind.as_str(),
            defaults.in_app,
            defaults.webhook,
        )
        .execute(self.pool())
        .await
        .map_err(db)?;
        Ok(())
    }
}
