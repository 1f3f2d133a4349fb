//! Announcing revocation marks: after a change that voids an account's tokens has committed
//! (`users.accounts.tokens_not_before`, the durable truth), the mark goes to Redis and every
//! gateway (`nexus_runtime::revocation`). A failed announcement is not the caller's failure:
//! the reconcile worker pushes every recent mark again every [`RECONCILE_INTERVAL`], so a mark
//! reaches the gateways within that even when Redis was down or wiped.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use nexus_bus::Bus;
use nexus_core::UserId;
use nexus_runtime::revocation::{self, RevocationReason, Revoked};

use crate::UserService;
use crate::error::UserError;

/// How often recent marks are pushed to Redis again.
pub const RECONCILE_INTERVAL: Duration = Duration::from_secs(30);

fn millis(instant: DateTime<Utc>) -> u64 {
    u64::try_from(instant.timestamp_millis()).unwrap_or(0)
}

/// Announces that `user_id`'s tokens issued before `not_before` are void.
pub async fn announce(
    bus: &Bus,
    user_id: UserId,
    not_before: DateTime<Utc>,
    reason: RevocationReason,
) {
    let revoked = Revoked::Account {
        user_id: user_id.to_string(),
        not_before_ms: millis(not_before),
        reason,
    };
    if let Err(error) = revocation::publish(bus, &revoked).await {
        tracing::warn!(user_id = %user_id, error = %error, "Announcing a revocation failed; the reconcile loop retries it.");
    }
}

impl UserService {
    /// The account marks set since `since`, which the reconcile loop ([`crate::workers`])
    /// pushes to Redis again.
    pub async fn recent_revocations(&self, since: SystemTime) -> Result<Vec<Revoked>, UserError> {
        let marks = self.store.recent_revocations(since.into()).await?;
        Ok(marks
            .into_iter()
            .map(|(user_id, not_before)| Revoked::Account {
                user_id: user_id.to_string(),
                not_before_ms: millis(not_before),
                reason: RevocationReason::Other,
            })
            .collect())
    }
}
