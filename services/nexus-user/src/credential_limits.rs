//! Attempt limits of the internal credential check, in Redis: per login string, per account
//! and overall, fixed windows, independent of nexus-auth's lockout.
//!
//! Why here as well as in auth: auth's lockout protects sign-in as users reach it; this one
//! bounds what any caller of `/internal/v1/credentials/verify` can try (a compromised pod with
//! the service token, a bug in auth) and the Argon2 work the service can be made to do.
//!
//! Every counter of one check is raised in one Lua call, so concurrent checks cannot slip
//! between a read and a write. Keys: `nexus:user:credcheck:{overall|login:<sha256>|account:<id>}`;
//! logins are stored as digests, never in clear.

use std::time::Duration;

use nexus_bus::Bus;
use nexus_core::{UserId, hex};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};

use crate::error::UserError;
use crate::settings::{AttemptLimit, CredentialLimitSettings};

/// Raises each `KEYS[i]` (limit `ARGV[2i-1]`, window `ARGV[2i]` ms); returns the longest
/// remaining window (ms) among the counters over their limit, or -1 when all are within.
const RAISE: &str = r"
local wait = -1
for index, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * index - 1])
  local window = tonumber(ARGV[2 * index])
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, window) end
  if count > limit then
    local left = redis.call('PTTL', key)
    if left < 0 then
      redis.call('PEXPIRE', key, window)
      left = window
    end
    if left > wait then wait = left end
  end
end
return wait
";

/// The limiter; cheap to clone.
#[derive(Clone)]
pub struct CredentialLimiter {
    connection: ConnectionManager,
    prefix: String,
    settings: CredentialLimitSettings,
    script: redis::Script,
}

impl std::fmt::Debug for CredentialLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialLimiter")
            .field("prefix", &self.prefix)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl CredentialLimiter {
    /// Uses the bus's Redis connection and key prefix.
    pub fn new(bus: &Bus, settings: CredentialLimitSettings) -> Self {
        Self {
            connection: bus.connection(),
            prefix: bus.keys().namespace("user").key("credcheck:"),
            settings,
            script: redis::Script::new(RAISE),
        }
    }

    /// Counts one check of `login` (and of `account`, once known); refuses with
    /// `credential_checks_limited` and the wait when any counter is over its limit.
    #[tracing::instrument(skip_all)]
    pub async fn count(&self, login: &str, account: Option<UserId>) -> Result<(), UserError> {
        let normalised = login.trim().to_lowercase();
        let login_digest = hex::encode(&Sha256::digest(normalised.as_bytes()));
        let mut counters: Vec<(String, AttemptLimit)> = vec![
            (format!("{}overall", self.prefix), self.settings.overall),
            (
                format!("{}login:{login_digest}", self.prefix),
                self.settings.per_login,
            ),
        ];
        if let Some(account) = account {
            counters.push((
                format!("{}account:{account}", self.prefix),
                self.settings.per_login,
            ));
        }
        let mut invocation = self.script.prepare_invoke();
        for (key, limit) in &counters {
            let window = u64::try_from(limit.window.as_millis()).unwrap_or(u64::MAX);
            invocation.key(key).arg(limit.attempts).arg(window);
        }
        let mut connection = self.connection.clone();
        let wait: i64 = invocation.invoke_async(&mut connection).await?;
        match u64::try_from(wait) {
            Ok(milliseconds) => Err(UserError::CredentialChecksLimited(Duration::from_millis(
                milliseconds.max(1),
            ))),
            Err(_) => Ok(()),
        }
    }
}
