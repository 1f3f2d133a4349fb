//! Short-lived state in Redis: refresh tokens ([`refresh`]), MFA challenges ([`challenges`])
//! and brute-force counters ([`throttle`]). Everything expires by TTL; nothing here must
//! survive a Redis flush except that users sign in again.

pub mod challenges;
pub mod refresh;
pub mod throttle;

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;

/// A Redis connection and the key namespace of this service (`<bus prefix>auth:`).
#[derive(Clone)]
pub struct Kv {
    /// The shared auto-reconnecting connection.
    pub connection: ConnectionManager,
    prefix: Arc<str>,
}

impl std::fmt::Debug for Kv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kv").field("prefix", &self.prefix).finish()
    }
}

impl Kv {
    /// Keys in the `auth` namespace (`<key_prefix>nexus:auth:`, see `nexus_bus::RedisKeys`).
    pub fn new(connection: ConnectionManager, key_prefix: &str) -> Self {
        let namespace = nexus_bus::RedisKeys::new(key_prefix).namespace("auth");
        Self {
            connection,
            prefix: Arc::from(namespace.prefix()),
        }
    }

    /// The full key of `name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A clone of the connection (cheap; commands are multiplexed).
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }
}

/// Milliseconds of `duration` for `PX`/`PEXPIRE` (at least 1).
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
