//! Brute-force counters: the per-account lockout state ([`crate::domain::lockout`]) and
//! the per-IP fixed-window limiter, both timed by the service's [`Clock`](crate::clock::Clock).
//!
//! Lockout state is kept per [`LockoutSubject`]: the account a login name resolves to (so an
//! attacker alternating the e-mail address and the username, in any case, hits one counter), or
//! the hashed login name when no account has it (so answers do not reveal which names exist).

use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::Script;

use super::{Kv, millis};
use crate::domain::lockout::{self, FailureOutcome, Gate, LockoutState};
use crate::domain::secrets::sha256_hex;
use crate::settings::{IpLimitSettings, LockoutSettings};

/// Compare-and-set: replace the value only if it is still what was read.
const COMPARE_AND_SET: &str = r"
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
";

/// Attempts of a compare-and-set loop before giving up (only under extreme contention).
const CAS_ATTEMPTS: usize = 16;

/// Lockout and IP limits.
#[derive(Debug, Clone)]
pub struct Throttle {
    kv: Kv,
    lockout: LockoutSettings,
    ip_limit: IpLimitSettings,
    compare_and_set: std::sync::Arc<Script>,
}

/// The name under which a login's failures are counted: case-insensitive, hashed (logins are
/// personal data and need not appear in Redis).
pub fn login_key(login: &str) -> String {
    sha256_hex(&login.trim().to_lowercase())
}

/// Whose failures an attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockoutSubject {
    /// The account the login name belongs to.
    Account(nexus_core::UserId),
    /// A login name no account has (trimmed, lower-cased; hashed in Redis).
    UnknownLogin(String),
}

impl LockoutSubject {
    /// The subject of `login`, resolved to `account` when one has it.
    pub fn of(login: &str, account: Option<nexus_core::UserId>) -> Self {
        match account {
            Some(id) => Self::Account(id),
            None => Self::UnknownLogin(login.trim().to_lowercase()),
        }
    }

    /// The Redis key suffix.
    pub fn key(&self) -> String {
        match self {
            Self::Account(id) => format!("acct:{id}"),
            Self::UnknownLogin(login) => login_key(login),
        }
    }

    /// What the audit log (admins only) names as the subject: the account id, or the login
    /// name that was tried.
    pub fn audit_name(&self) -> String {
        match self {
            Self::Account(id) => id.to_string(),
            Self::UnknownLogin(login) => login.clone(),
        }
    }
}

impl Throttle {
    /// Counters in `kv`.
    pub fn new(kv: Kv, lockout: LockoutSettings, ip_limit: IpLimitSettings) -> Self {
        Self {
            kv,
            lockout,
            ip_limit,
            compare_and_set: std::sync::Arc::new(Script::new(COMPARE_AND_SET)),
        }
    }

    fn lockout_key(&self, subject: &LockoutSubject) -> String {
        self.kv.key(&format!("lockout:{}", subject.key()))
    }

    async fn read(&self, key: &str) -> Result<(String, LockoutState), redis::RedisError> {
        let mut connection = self.kv.connection();
        let raw: Option<String> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut connection)
            .await?;
        let raw = raw.unwrap_or_default();
        let state = serde_json::from_str(&raw).unwrap_or_default();
        Ok((raw, state))
    }

    /// Whether `subject` may try a password at `now`.
    pub async fn gate(
        &self,
        subject: &LockoutSubject,
        now: DateTime<Utc>,
    ) -> Result<Gate, redis::RedisError> {
        let (_, state) = self.read(&self.lockout_key(subject)).await?;
        Ok(lockout::gate(&self.lockout, &state, now))
    }

    /// Counts a failure of `subject` at `now`; returns the lock it started, if any.
    pub async fn record_failure(
        &self,
        subject: &LockoutSubject,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, redis::RedisError> {
        let key = self.lockout_key(subject);
        for _ in 0..CAS_ATTEMPTS {
            let (raw, state) = self.read(&key).await?;
            let FailureOutcome { state, locked_for } =
                lockout::record_failure(&self.lockout, &state, now);
            let encoded = serde_json::to_string(&state).unwrap_or_default();
            let ttl = lockout::retention(&self.lockout, &state, now);
            let mut connection = self.kv.connection();
            let stored: i64 = self
                .compare_and_set
                .key(&key)
                .arg(raw)
                .arg(encoded)
                .arg(millis(ttl))
                .invoke_async(&mut connection)
                .await?;
            if stored == 1 {
                return Ok(locked_for);
            }
        }
        Err(redis::RedisError::from((
            redis::ErrorKind::Client,
            "lockout state kept changing under contention",
        )))
    }

    /// Forgets `subject`'s failures (after a successful sign-in).
    pub async fn reset(&self, subject: &LockoutSubject) -> Result<(), redis::RedisError> {
        let mut connection = self.kv.connection();
        redis::cmd("DEL")
            .arg(self.lockout_key(subject))
            .query_async::<()>(&mut connection)
            .await
    }

    /// Counts an attempt from `ip` at `now`; `Some(retry_after)` when over the limit.
    pub async fn hit_ip(
        &self,
        ip: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, redis::RedisError> {
        let window_ms = i64::try_from(millis(self.ip_limit.window)).unwrap_or(i64::MAX);
        let now_ms = now.timestamp_millis();
        let window = now_ms.div_euclid(window_ms);
        let key = self.kv.key(&format!("ip:{ip}:{window}"));
        let mut connection = self.kv.connection();
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .pexpire(&key, window_ms)
            .ignore()
            .query_async(&mut connection)
            .await?;
        if count > u64::from(self.ip_limit.max_attempts) {
            let window_end = (window + 1).saturating_mul(window_ms);
            let left = u64::try_from(window_end - now_ms).unwrap_or(0);
            return Ok(Some(Duration::from_millis(left)));
        }
        Ok(None)
    }
}
