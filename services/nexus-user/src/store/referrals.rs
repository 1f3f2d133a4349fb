//! Referrals: listing a referrer's referrals and completing a pending one.

use chrono::{DateTime, Utc};
use nexus_core::UserId;
use nexus_proto::user::{Referral, ReferralCompleted};
use uuid::Uuid;

use super::Store;
use crate::error::UserError;

/// Most referrals listed at once.
const MAX_LISTED: i64 = 1000;

struct ReferralRow {
    referred_id: Uuid,
    username: String,
    status: String,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

impl Store {
    /// The accounts `referrer_id` referred, newest first (at most 1000).
    #[tracing::instrument(skip(self))]
    pub async fn list_referrals(&self, referrer_id: UserId) -> Result<Vec<Referral>, UserError> {
        let rows = sqlx::query_as!(
            ReferralRow,
            "SELECT r.referred_id, a.username, r.status, r.created_at, r.completed_at \
             FROM users.referrals r JOIN users.accounts a ON a.id = r.referred_id \
             WHERE r.referrer_id = $1 ORDER BY r.created_at DESC, r.referred_id LIMIT $2",
            referrer_id.as_uuid(),
            MAX_LISTED,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Referral {
                referred_user_id: UserId::from_uuid(row.referred_id),
                referred_username: row.username,
                status: row.status,
                created_at: row.created_at,
                completed_at: row.completed_at,
            })
            .collect())
    }

    /// Marks the pending referral of `referred_id` as `completed` and records
    /// `ReferralCompleted`, in one transaction. Returns the referrer, or `None` when there is no
    /// pending referral (never referred, or completed already), so replaying the triggering
    /// event is harmless.
    ///
    /// Called by `POST /internal/v1/referrals/{user_id}/complete`, which nexus-reputation calls
    /// when the referred account's first assertion is judged right.
    #[tracing::instrument(skip(self, traceparent))]
    pub async fn complete_referral(
        &self,
        referred_id: UserId,
        traceparent: Option<&str>,
    ) -> Result<Option<UserId>, UserError> {
        let mut transaction = self.pool.begin().await?;
        let referrer = sqlx::query_scalar!(
            "UPDATE users.referrals SET status = 'completed', completed_at = now() \
             WHERE referred_id = $1 AND status = 'pending' RETURNING referrer_id",
            referred_id.as_uuid(),
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(referrer_id) = referrer else {
            return Ok(None);
        };
        let completed = ReferralCompleted {
            referrer_id: UserId::from_uuid(referrer_id),
            referred_id,
        };
        self.outbox
            .enqueue_event(&mut transaction, completed, traceparent)
            .await?;
        transaction.commit().await?;
        Ok(Some(UserId::from_uuid(referrer_id)))
    }
}
