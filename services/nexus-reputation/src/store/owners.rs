//! Which account each analyst wallet belongs to. The chain knows wallets; the API and the
//! leaderboards show accounts. nexus-user is asked by the `wallet-owners` worker, never by the
//! chain-event consumer, so scores keep moving while nexus-user is down; the rows here are its
//! queue (`owner_next_check`), leased so replicas do not ask twice.

use std::time::Duration;

use nexus_proto::reputation::ReputationChanged;
use uuid::Uuid;

use super::{Store, db};
use crate::error::ReputationError;

/// A wallet whose owner is due to be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerCheck {
    /// `0x` + 40 lower-case hex digits.
    pub analyst: String,
    /// How many times it was asked before.
    pub attempts: i32,
}

/// A wallet's owner, once recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerFound {
    /// The account.
    pub user_id: Uuid,
    /// The wallet's score.
    pub score: f64,
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

impl Store {
    /// Up to `limit` wallets whose owner is due to be asked, leased for `lease` (another replica
    /// skips them until then).
    pub async fn lease_owner_checks(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OwnerCheck>, ReputationError> {
        let rows = sqlx::query!(
            "UPDATE reputation.analysts SET owner_next_check = now() + make_interval(secs => $2) \
             WHERE analyst IN (SELECT analyst FROM reputation.analysts \
               WHERE owner_next_check <= now() ORDER BY owner_next_check LIMIT $1 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING analyst, owner_attempts",
            limit,
            seconds(lease),
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| OwnerCheck {
                analyst: row.analyst,
                attempts: row.owner_attempts,
            })
            .collect())
    }

    /// Records that `user_id` owns `analyst` and announces the wallet's score to the account
    /// (`ReputationChanged`, reason `WalletOwnerFound`), in one transaction.
    pub async fn record_owner(
        &self,
        analyst: &str,
        user_id: Uuid,
    ) -> Result<OwnerFound, ReputationError> {
        let mut transaction = self.pool.begin().await.map_err(db)?;
        let score = sqlx::query_scalar!(
            "UPDATE reputation.analysts SET user_id = $2, owner_next_check = NULL, \
             owner_error = NULL WHERE analyst = $1 RETURNING score",
            analyst,
            user_id,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(db)?;
        // A wallet already right before its account was known qualifies the account now.
        let first_right = sqlx::query_scalar!(
            "SELECT bounty_id FROM reputation.assertions WHERE analyst = $1 AND correct \
             ORDER BY settled_at, bounty_id LIMIT 1",
            analyst,
        )
        .fetch_optional(&mut *transaction)
        .await
        .map_err(db)?;
        if let Some(bounty_id) = first_right {
            super::referrals::queue_referral(&mut transaction, user_id, bounty_id).await?;
        }
        self.outbox
            .enqueue_event(
                &mut transaction,
                ReputationChanged {
                    user_id: user_id.to_string(),
                    analyst: analyst.to_owned(),
                    chain_bounty_id: None,
                    reason: "WalletOwnerFound".to_owned(),
                    delta: 0.0,
                    score,
                },
                None,
            )
            .await?;
        transaction.commit().await.map_err(db)?;
        Ok(OwnerFound { user_id, score })
    }

    /// Asks about `analyst` again after `delay`, noting why (`error`, none when simply no account
    /// links the wallet yet).
    pub async fn defer_owner_check(
        &self,
        analyst: &str,
        delay: Duration,
        error: Option<&str>,
    ) -> Result<(), ReputationError> {
        sqlx::query!(
            "UPDATE reputation.analysts SET owner_next_check = now() + make_interval(secs => $2), \
             owner_attempts = owner_attempts + 1, owner_error = $3 WHERE analyst = $1",
            analyst,
            seconds(delay),
            error,
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}
