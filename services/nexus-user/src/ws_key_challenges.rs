//! Single-use challenges a WebSocket key must sign to be registered (proof of possession).
//!
//! A challenge is 32 random bytes (64 hex digits) stored under
//! `nexus:user:wskey-challenge:<challenge>` with the account it was issued to, for
//! `user.ws_key_challenge.ttl`. Taking it is one `GETDEL`: a challenge is consumed by the first
//! registration that names it, whether that registration succeeds or not, so a signature can
//! be neither replayed nor ground against the same challenge.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bus::Bus;
use nexus_core::{UserId, hex};
use rand::RngCore;
use redis::aio::ConnectionManager;

use crate::error::UserError;

/// Challenges in Redis.
#[derive(Clone)]
pub struct WsKeyChallenges {
    connection: ConnectionManager,
    prefix: String,
    ttl: Duration,
}

impl std::fmt::Debug for WsKeyChallenges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsKeyChallenges")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl WsKeyChallenges {
    /// Uses the bus's Redis connection and key prefix; challenges live for `ttl`.
    pub fn new(bus: &Bus, ttl: Duration) -> Self {
        Self {
            connection: bus.connection(),
            prefix: bus.keys().namespace("user").key("wskey-challenge:"),
            ttl,
        }
    }

    /// A fresh challenge for `user_id` and when it expires.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn issue(&self, user_id: UserId) -> Result<(String, DateTime<Utc>), UserError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let challenge = hex::encode(&bytes);
        let milliseconds = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(format!("{}{challenge}", self.prefix))
            .arg(user_id.to_string())
            .arg("PX")
            .arg(milliseconds)
            .arg("NX")
            .query_async::<Option<String>>(&mut connection)
            .await?
            .ok_or_else(|| UserError::Internal("a fresh challenge already existed".into()))?;
        let expires_at = Utc::now() + chrono::Duration::from_std(self.ttl).unwrap_or_default();
        Ok((challenge, expires_at))
    }

    /// Takes (reads and deletes, atomically) `challenge`; the account it was issued to, or
    /// `None` when it is unknown, expired or used. Malformed challenges are never looked up.
    #[tracing::instrument(skip_all)]
    pub async fn take(&self, challenge: &str) -> Result<Option<UserId>, UserError> {
        if challenge.len() != 64 || !challenge.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let mut connection = self.connection.clone();
        let owner: Option<String> = redis::cmd("GETDEL")
            .arg(format!("{}{}", self.prefix, challenge.to_ascii_lowercase()))
            .query_async(&mut connection)
            .await?;
        Ok(owner.and_then(|text| text.parse().ok()))
    }
}
