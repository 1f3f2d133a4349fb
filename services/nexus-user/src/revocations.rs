//! Announcing revocation marks: after a change that voids an account's tokens has committed
//! (`users.accounts.tokens_not_before`, the durable truth), the mark goes to Redis and every
//! gateway (`nexus_runtime::revocation`). A failed announcement is not the caller's failure:
//! the reconcile worker pushes every recent mark again every [`RECONCILE_INTERVAL`], so a mark
//! reaches the gateways within that even when Redis was down or wiped.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bus::Bus;
use nexus_runtime::Setup;
use nexus_runtime::revocation::{self, RevocationReason, RevocationSettings, Revoked};
use uuid::Uuid;

use crate::error::UserError;
use crate::store::Store;

/// How often recent marks are pushed to Redis again.
pub const RECONCILE_INTERVAL: Duration = Duration::from_secs(30);

fn millis(instant: DateTime<Utc>) -> u64 {
    u64::try_from(instant.timestamp_millis()).unwrap_or(0)
}

/// Announces that `user_id`'s tokens issued before `not_before` are void.
pub async fn announce(
    bus: &Bus,
    user_id: Uuid,
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

/// Registers the worker that pushes the marks of the last `retention` to Redis again.
pub fn register_reconcile_worker(store: Store, bus: Bus, setup: &mut Setup) {
    setup.worker("revocation-reconcile", move |shutdown| {
        let retention = RevocationSettings::default().retention;
        revocation::republish_recent(bus, RECONCILE_INTERVAL, retention, shutdown, move |since| {
            let store = store.clone();
            async move {
                let marks = store.recent_revocations(since.into()).await?;
                Ok::<_, UserError>(
                    marks
                        .into_iter()
                        .map(|(user_id, not_before)| Revoked::Account {
                            user_id: user_id.to_string(),
                            not_before_ms: millis(not_before),
                            reason: RevocationReason::Other,
                        })
                        .collect(),
                )
            }
        })
    });
}
