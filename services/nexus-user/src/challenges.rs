//! Single-use Sign-In with Ethereum nonces in Redis.
//!
//! A challenge is stored under `nexus:user:siwe:<nonce>` with what it was issued for
//! (account, address, chain, times). Taking it is one `GETDEL`, so a nonce is accepted at
//! most once even under concurrent posts. The key outlives the message's `Expiration Time`
//! by [`EXPIRED_GRACE`] so an expired challenge is reported as expired rather than unknown;
//! the service enforces the expiration time itself.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bus::Bus;
use nexus_core::UserId;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use crate::error::UserError;

/// How long past its expiration a challenge is still recognised (to say "expired").
pub const EXPIRED_GRACE: Duration = Duration::from_secs(60);

/// What a nonce was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedChallenge {
    /// The account that asked.
    pub user_id: UserId,
    /// Lower-case `0x` address.
    pub address: String,
    /// Chain id.
    pub chain_id: u64,
    /// `Issued At`.
    pub issued_at: DateTime<Utc>,
    /// `Expiration Time`.
    pub expires_at: DateTime<Utc>,
}

/// Nonces in Redis.
#[derive(Clone)]
pub struct ChallengeStore {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for ChallengeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChallengeStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl ChallengeStore {
    /// Uses the bus's Redis connection and key prefix.
    pub fn new(bus: &Bus) -> Self {
        Self {
            connection: bus.connection(),
            prefix: bus.keys().namespace("user").key("siwe:"),
        }
    }

    fn key(&self, nonce: &str) -> String {
        format!("{}{nonce}", self.prefix)
    }

    /// Stores `challenge` under `nonce` until its expiration plus the grace period.
    #[tracing::instrument(skip_all)]
    pub async fn put(&self, nonce: &str, challenge: &IssuedChallenge) -> Result<(), UserError> {
        let value = serde_json::to_string(challenge)
            .map_err(|error| UserError::Internal(format!("encoding a challenge: {error}")))?;
        let lifetime = (challenge.expires_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            + EXPIRED_GRACE;
        let milliseconds = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(self.key(nonce))
            .arg(value)
            .arg("PX")
            .arg(milliseconds)
            .arg("NX")
            .query_async::<Option<String>>(&mut connection)
            .await?
            .ok_or_else(|| UserError::Internal("a fresh nonce already existed".into()))?;
        Ok(())
    }

    /// Takes (reads and deletes, atomically) the challenge issued with `nonce`.
    #[tracing::instrument(skip_all)]
    pub async fn take(&self, nonce: &str) -> Result<Option<IssuedChallenge>, UserError> {
        let mut connection = self.connection.clone();
        let value: Option<String> = redis::cmd("GETDEL")
            .arg(self.key(nonce))
            .query_async(&mut connection)
            .await?;
        value
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|error| UserError::Internal(format!("decoding a challenge: {error}")))
            })
            .transpose()
    }
}
