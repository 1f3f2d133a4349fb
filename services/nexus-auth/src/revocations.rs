//! Announcing API-key revocations to every gateway (`nexus_runtime::revocation`), and pushing
//! the marks of recently revoked keys to Redis again every [`RECONCILE_INTERVAL`], so a failed
//! announcement or a Redis that lost its data still reaches the gateways within that interval.
//! Account marks (sign-out everywhere) are set by nexus-user, which owns the account.

use std::time::{Duration, SystemTime};

use nexus_db::DbError;
use nexus_runtime::revocation::{self, Revoked};

use crate::AuthService;

/// How often recent API-key marks are pushed to Redis again.
pub const RECONCILE_INTERVAL: Duration = Duration::from_secs(30);

impl AuthService {
    /// Stores and announces `revoked`; a failure is logged (the reconcile loop retries it).
    pub async fn announce(&self, revoked: &Revoked) {
        if let Err(error) = revocation::publish(&self.bus, revoked).await {
            tracing::warn!(user_id = %revoked.user_id(), error = %error, "Announcing a revocation failed; the reconcile loop retries it.");
        }
    }

    /// The marks of the API keys revoked since `since`, which the reconcile loop
    /// ([`crate::workers`]) pushes to Redis again.
    pub async fn recent_revocations(&self, since: SystemTime) -> Result<Vec<Revoked>, DbError> {
        let keys = self.store.recently_revoked_api_keys(since.into()).await?;
        Ok(keys
            .into_iter()
            .map(|(key_id, user_id, revoked_at)| Revoked::ApiKey {
                key_id: key_id.to_string(),
                user_id: user_id.to_string(),
                revoked_at_ms: u64::try_from(revoked_at.timestamp_millis()).unwrap_or(0),
            })
            .collect())
    }
}
