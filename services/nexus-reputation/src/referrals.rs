//! The `referrals` worker: completes referrals. A referral completes when the referred account's
//! first assertion is judged right (the store queues the account in the transaction that scores
//! it, or that learns the wallet's account). The worker asks nexus-user
//! (`POST /internal/v1/referrals/{user_id}/complete`, which records `ReferralCompleted` there),
//! then records the referrer's bonus (`reputation.referral_bonus` wei) and writes
//! `ReferralBonusRecorded` for the referrer's `user:{id}` topic. While nexus-user fails, the
//! account is asked again after 1 s doubling up to 5 min; nothing is lost.

use std::sync::Arc;
use std::time::Duration;

use nexus_client::CallContext;
use nexus_core::UserId;
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use crate::ReputationService;
use crate::error::ReputationError;

/// Accounts asked per pass.
const BATCH: i64 = 50;
/// How long a leased row is left to its worker.
const LEASE: Duration = Duration::from_secs(60);
/// Pause between passes when nothing is due.
const IDLE: Duration = Duration::from_millis(500);
/// Longest wait between asks.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The `referrals` worker.
pub async fn complete_referrals(
    service: Arc<ReputationService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    nexus_runtime::workers::run_passes(shutdown, IDLE, "A referral pass", || {
        referral_pass(&service)
    })
    .await
}

/// One pass: every leased account answered or deferred; returns how many.
pub async fn referral_pass(service: &ReputationService) -> Result<usize, ReputationError> {
    let due = service.store.lease_referral_checks(BATCH, LEASE).await?;
    for check in &due {
        match service
            .users
            .complete_referral(&CallContext::none(), UserId::from_uuid(check.user_id))
            .await
        {
            Ok(answer) => {
                let referrer = answer.referrer_id.filter(|_| answer.completed);
                service
                    .store
                    .record_referral(
                        check,
                        referrer.map(UserId::as_uuid),
                        service.settings.referral_bonus_wei(),
                    )
                    .await?;
            }
            Err(error) => {
                let exponent = u32::try_from(check.attempts.clamp(0, 9)).unwrap_or(0);
                let delay = Duration::from_secs(2u64.pow(exponent)).min(MAX_BACKOFF);
                service
                    .store
                    .defer_referral_check(check.user_id, delay, &error.to_string())
                    .await?;
            }
        }
    }
    Ok(due.len())
}
