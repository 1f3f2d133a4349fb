//! Referral completion: an account's first right assertion queues one ask of nexus-user
//! (`reputation.referral_checks`), the `referrals` worker leases and asks, and the answer (with
//! the referrer's bonus and `ReferralBonusRecorded`) is recorded in one transaction.

use std::time::Duration;

use nexus_proto::reputation::ReferralBonusRecorded;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Store, db};
use crate::error::ReputationError;

/// An account whose referral is due to be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralCheck {
    /// The (possibly referred) account.
    pub user_id: Uuid,
    /// The bounty of its first right assertion.
    pub bounty_id: i64,
    /// How many times it was asked before.
    pub attempts: i32,
}

/// Queues `user_id`'s referral check when `bounty_id` holds its first right assertion (a later
/// one changes nothing), in the caller's transaction.
pub(super) async fn queue_referral(
    transaction: &mut PgConnection,
    user_id: Uuid,
    bounty_id: i64,
) -> Result<(), ReputationError> {
    sqlx::query!(
        "INSERT INTO reputation.referral_checks (user_id, bounty_id) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO NOTHING",
        user_id,
        bounty_id,
    )
    .execute(&mut *transaction)
    .await
    .map_err(db)?;
    Ok(())
}

impl Store {
    /// Up to `limit` accounts due to be asked about, leased for `lease`.
    pub async fn lease_referral_checks(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ReferralCheck>, ReputationError> {
        let rows = sqlx::query!(
            "UPDATE reputation.referral_checks \
             SET next_check = now() + make_interval(secs => $2) \
             WHERE user_id IN (SELECT user_id FROM reputation.referral_checks \
               WHERE next_check <= now() ORDER BY next_check LIMIT $1 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING user_id, bounty_id, attempts",
            limit,
            lease.as_secs_f64(),
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|row| ReferralCheck {
                user_id: row.user_id,
                bounty_id: row.bounty_id,
                attempts: row.attempts,
            })
            .collect())
    }

    /// Records nexus-user's answer for `check`: the referrer and `bonus` (wei) when it completed a
    /// referral (with `ReferralBonusRecorded` for the referrer), or that there was none.
    pub async fn record_referral(
        &self,
        check: &ReferralCheck,
        referrer_id: Option<Uuid>,
        bonus: u128,
    ) -> Result<(), ReputationError> {
        let mut transaction = self.pool.begin().await.map_err(db)?;
        let bonus = referrer_id.map(|_| bonus.to_string());
        let updated = sqlx::query!(
            "UPDATE reputation.referral_checks SET completed = $2, referrer_id = $3, bonus = $4, \
             next_check = NULL, last_error = NULL, answered_at = now() \
             WHERE user_id = $1 AND completed IS NULL",
            check.user_id,
            referrer_id.is_some(),
            referrer_id,
            bonus,
        )
        .execute(&mut *transaction)
        .await
        .map_err(db)?
        .rows_affected();
        if let (1, Some(referrer), Some(bonus)) = (updated, referrer_id, bonus) {
            self.outbox
                .enqueue_event(
                    &mut transaction,
                    ReferralBonusRecorded {
                        user_id: referrer.to_string(),
                        referred_id: check.user_id.to_string(),
                        chain_bounty_id: u64::try_from(check.bounty_id).unwrap_or_default(),
                        bonus,
                    },
                    None,
                )
                .await?;
        }
        transaction.commit().await.map_err(db)?;
        Ok(())
    }

    /// Asks about `user_id` again after `delay`, noting why.
    pub async fn defer_referral_check(
        &self,
        user_id: Uuid,
        delay: Duration,
        error: &str,
    ) -> Result<(), ReputationError> {
        sqlx::query!(
            "UPDATE reputation.referral_checks \
             SET next_check = now() + make_interval(secs => $2), attempts = attempts + 1, \
             last_error = $3 WHERE user_id = $1 AND completed IS NULL",
            user_id,
            delay.as_secs_f64(),
            error,
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// The referral bonuses `referrer_id` earned: (count, total wei).
    pub async fn referral_bonuses(
        &self,
        referrer_id: Uuid,
    ) -> Result<(u64, u128), ReputationError> {
        let bonuses = sqlx::query_scalar!(
            "SELECT bonus AS \"bonus!\" FROM reputation.referral_checks \
             WHERE referrer_id = $1 AND completed AND bonus IS NOT NULL",
            referrer_id,
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let total = bonuses
            .iter()
            .filter_map(|bonus| bonus.parse::<u128>().ok())
            .fold(0u128, u128::saturating_add);
        Ok((bonuses.len() as u64, total))
    }
}
