//! Revocation of access tokens that takes effect within seconds: "every token of this account
//! issued before T is void" and "every token minted for this API key is void".
//!
//! ```text
//! writer (user: disable/ban/role/password; auth: logout-all, API-key revoke)
//!   1. commits the state in PostgreSQL (the durable truth: users.accounts.tokens_not_before,
//!      auth.api_keys.revoked_at)
//!   2. publish(): one Lua call raises the mark in a Redis hash (never lowers it) and announces
//!      it on the pub/sub channel REVOCATION_CHANNEL
//! reader (every gateway instance; any service that wants it)
//!   Revocations::run(): subscribes, then every `resync_interval` reads a version counter that
//!   every write raises and re-reads both hashes when it moved (and every 12th interval
//!   anyway), so a lost pub/sub message still takes effect within one interval while a large
//!   list costs one GET per interval; marks are merged (max), so a
//!   Redis wiped of its data never resurrects a revoked token in a running reader, and the
//!   writers' reconcile loops push their PostgreSQL marks back.
//!   Revocations::check()/is_revoked(): in-memory look-ups, no I/O on the request path.
//!   Revocations::subscribe(): a broadcast of each new or raised mark (WebSocket sessions).
//! ```
//!
//! Marks are in Unix milliseconds and compared with [`AccessClaims::issued_at_ms`], so a token
//! minted a moment after a revocation (a new sign-in after a password change) is not caught by
//! it. A mark is kept for `retention`, longer than any access token lives.
//!
//! Redis down: readers keep every mark they hold (nothing revoked comes back) and keep
//! answering from memory; new marks written meanwhile reach them when Redis is back (writers
//! retry through their reconcile loops). Once a reader has not synced for `max_staleness`,
//! [`Revocations::check`] fails closed with [`RevocationRefusal::Unavailable`] (the gateway's
//! 503 `revocation_unavailable`), so an outage cannot hide a revocation for long.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use nexus_bus::Bus;
use nexus_http::token::AccessClaims;
use nexus_proto::{Envelope, Event};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::workers::WorkerResult;

/// The pub/sub channel (unprefixed; the bus adds its key prefix) revocations are announced on.
pub const REVOCATION_CHANNEL: &str = "nexus:auth:revocations:v1";
/// Redis hash (unprefixed) of account marks: user id → not-before, Unix milliseconds.
pub const ACCOUNT_MARKS_KEY: &str = "nexus:auth:revocations:accounts";
/// Redis hash (unprefixed) of revoked API keys: key id → revoked at, Unix milliseconds.
pub const API_KEY_MARKS_KEY: &str = "nexus:auth:revocations:api-keys";
/// Redis counter (unprefixed) raised by every write of a mark: readers re-read the hashes only
/// when it moved (a cheap GET every interval instead of the whole list).
pub const VERSION_KEY: &str = "nexus:auth:revocations:version";
/// A full re-read happens at least every this many intervals, whatever the counter says.
const FULL_RESYNC_EVERY: u32 = 12;
/// Revocations queued for slow `subscribe()` receivers before they lag.
const BROADCAST_CAPACITY: usize = 1024;

/// Raises the mark only if the new value is later (and then the version), then announces it
/// (one round trip). KEYS[1] hash, KEYS[2] channel, KEYS[3] version; ARGV[1] field, ARGV[2]
/// value (ms), ARGV[3] envelope JSON.
const PUBLISH_SCRIPT: &str = r"
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('INCR', KEYS[3])
end
if ARGV[3] ~= '' then redis.call('PUBLISH', KEYS[2], ARGV[3]) end
return 1
";

/// Why tokens were revoked (for logs, audit and WebSocket close reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// An administrator disabled the account.
    AccountDisabled,
    /// An administrator banned (or unbanned) the account: its tokens carry the old status.
    StatusChanged,
    /// The account's role changed: its tokens carry the old roles.
    RoleChanged,
    /// The password was changed or reset.
    PasswordChanged,
    /// The account holder signed out everywhere.
    SignedOutEverywhere,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// A mark pushed again from PostgreSQL (reconciliation), or a reason this build does not know.
    #[serde(other)]
    Other,
}

/// One revocation, as announced on [`REVOCATION_CHANNEL`] and broadcast by
/// [`Revocations::subscribe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Revoked {
    /// Every token of `user_id` issued before `not_before_ms` is void (API-key tokens included).
    Account {
        /// The account (`sub`).
        user_id: String,
        /// Unix milliseconds.
        not_before_ms: u64,
        /// Why.
        reason: RevocationReason,
    },
    /// Every token minted for the API key `key_id` is void.
    ApiKey {
        /// The key's id (never the key).
        key_id: String,
        /// Its holder.
        user_id: String,
        /// Unix milliseconds.
        revoked_at_ms: u64,
    },
}

impl Revoked {
    /// Revokes `user_id`'s tokens issued before now.
    pub fn account_now(user_id: impl Into<String>, reason: RevocationReason) -> Self {
        Revoked::Account {
            user_id: user_id.into(),
            not_before_ms: now_ms(),
            reason,
        }
    }

    /// Revokes the API key `key_id` of `user_id` now.
    pub fn api_key_now(key_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        Revoked::ApiKey {
            key_id: key_id.into(),
            user_id: user_id.into(),
            revoked_at_ms: now_ms(),
        }
    }

    /// The account concerned.
    pub fn user_id(&self) -> &str {
        match self {
            Revoked::Account { user_id, .. } | Revoked::ApiKey { user_id, .. } => user_id,
        }
    }

    fn hash_entry(&self) -> (&'static str, &str, u64) {
        match self {
            Revoked::Account {
                user_id,
                not_before_ms,
                ..
            } => (ACCOUNT_MARKS_KEY, user_id, *not_before_ms),
            Revoked::ApiKey {
                key_id,
                revoked_at_ms,
                ..
            } => (API_KEY_MARKS_KEY, key_id, *revoked_at_ms),
        }
    }
}

impl Event for Revoked {
    const NAME: &'static str = "TokensRevoked";
    const VERSION: u32 = 1;
    const STREAM: &'static str = REVOCATION_CHANNEL;
}

/// Why [`Revocations::check`] refuses a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RevocationRefusal {
    /// The token's account or API key was revoked after the token was issued.
    #[error("the access token was revoked; sign in again")]
    Revoked,
    /// The revocation list has not been refreshed for longer than `max_staleness`.
    #[error("revocations cannot be checked right now")]
    Unavailable,
}

/// A failed write or read of the revocation marks in Redis.
#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    /// Redis failed.
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    /// The announcement could not be encoded (a bug).
    #[error("encoding the revocation failed")]
    Encode(#[from] serde_json::Error),
}

/// `[*.revocation]`: how a reader keeps its copy of the marks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RevocationSettings {
    /// How often the whole list is read again; a lost pub/sub message takes effect within it.
    #[serde(with = "humantime_serde")]
    pub resync_interval: Duration,
    /// How long a mark is kept; longer than the longest access token lives (24 h + leeway).
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// After this long without a successful read, checks fail closed.
    #[serde(with = "humantime_serde")]
    pub max_staleness: Duration,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        Self {
            resync_interval: Duration::from_secs(5),
            retention: Duration::from_secs(25 * 3600),
            max_staleness: Duration::from_secs(300),
        }
    }
}

impl RevocationSettings {
    /// Problems with these values, prefixed with `section` (e.g. `gateway.revocation`).
    pub fn problems(&self, section: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.resync_interval < Duration::from_millis(100)
            || self.resync_interval > Duration::from_secs(300)
        {
            problems.push(format!(
                "{section}.resync_interval must be between 100ms and 5m"
            ));
        }
        if self.retention < Duration::from_secs(24 * 3600 + 60) {
            problems.push(format!(
                "{section}.retention must outlive the longest access token (at least 24h1m)"
            ));
        }
        if self.max_staleness <= self.resync_interval {
            problems.push(format!(
                "{section}.max_staleness must be longer than resync_interval"
            ));
        }
        problems
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Stores `revoked` in Redis and announces it to every reader. Call it after the state change
/// committed in PostgreSQL; on failure the writer's reconcile loop pushes the mark later.
pub async fn publish(bus: &Bus, revoked: &Revoked) -> Result<(), RevocationError> {
    let announcement = serde_json::to_string(&Envelope::new(revoked.clone()))?;
    store(bus, revoked, &announcement).await
}

/// The writers' reconcile loop: every `interval` until shutdown, asks `recent` for the marks
/// set since `now - retention` (read from the writer's PostgreSQL, the durable truth) and stores
/// them in Redis again with [`restore`], so a failed announcement or a Redis that lost its data
/// reaches every reader within `interval`. Failures are logged and retried at the next turn.
pub async fn republish_recent<F, Fut, E>(
    bus: Bus,
    interval: Duration,
    retention: Duration,
    shutdown: CancellationToken,
    mut recent: F,
) -> WorkerResult
where
    F: FnMut(SystemTime) -> Fut,
    Fut: Future<Output = Result<Vec<Revoked>, E>>,
    E: std::fmt::Display,
{
    loop {
        let since = SystemTime::now()
            .checked_sub(retention)
            .unwrap_or(UNIX_EPOCH);
        match recent(since).await {
            Ok(marks) => {
                if let Err(error) = restore(&bus, &marks).await {
                    tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Pushing revocation marks to Redis failed; retrying at the next turn.");
                }
            }
            Err(error) => {
                tracing::warn!(error = %error, "Reading recent revocation marks failed; retrying at the next turn.");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(interval) => {}
        }
    }
}

/// Stores marks again without announcing them (reconciliation from PostgreSQL after Redis lost
/// its data); readers pick them up at their next resync. Marks are only ever raised.
pub async fn restore(bus: &Bus, marks: &[Revoked]) -> Result<(), RevocationError> {
    for revoked in marks {
        store(bus, revoked, "").await?;
    }
    Ok(())
}

async fn store(bus: &Bus, revoked: &Revoked, announcement: &str) -> Result<(), RevocationError> {
    let (hash, field, value) = revoked.hash_entry();
    redis::Script::new(PUBLISH_SCRIPT)
        .key(bus.key(hash))
        .key(bus.key(REVOCATION_CHANNEL))
        .key(bus.key(VERSION_KEY))
        .arg(field)
        .arg(value)
        .arg(announcement)
        .invoke_async::<i64>(&mut bus.connection())
        .await?;
    Ok(())
}

/// The in-memory copy of the marks, shared by every handler of a process (cheap to clone).
#[derive(Clone)]
pub struct Revocations {
    inner: Arc<Inner>,
}

struct Inner {
    settings: RevocationSettings,
    accounts: RwLock<HashMap<String, u64>>,
    api_keys: RwLock<HashMap<String, u64>>,
    sender: broadcast::Sender<Revoked>,
    /// Unix ms of the last successful read (of the version or both hashes); 0 before the first.
    last_sync_ms: AtomicU64,
    /// The version counter at the last full read (`None`: never read, or absent in Redis).
    synced_version: std::sync::Mutex<Option<Option<u64>>>,
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations")
            .field("settings", &self.inner.settings)
            .field("accounts", &read(&self.inner.accounts).len())
            .field("api_keys", &read(&self.inner.api_keys).len())
            .finish_non_exhaustive()
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl Revocations {
    /// An empty copy; fill it with [`Revocations::resync`] before serving and keep it current
    /// with [`Revocations::run`] as a worker.
    pub fn new(settings: RevocationSettings) -> Self {
        let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self {
            inner: Arc::new(Inner {
                settings,
                accounts: RwLock::default(),
                api_keys: RwLock::default(),
                sender,
                last_sync_ms: AtomicU64::new(0),
                synced_version: std::sync::Mutex::new(None),
            }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &RevocationSettings {
        &self.inner.settings
    }

    /// True when the token's account was revoked after the token was issued, or the API key it
    /// was minted for is revoked. Memory only.
    pub fn is_revoked(&self, claims: &AccessClaims) -> bool {
        if let Some(key_id) = &claims.api_key_id
            && self.is_api_key_revoked(key_id)
        {
            return true;
        }
        read(&self.inner.accounts)
            .get(&claims.sub)
            .is_some_and(|not_before| claims.issued_at_ms() < *not_before)
    }

    /// Whether the API key `key_id` is revoked.
    pub fn is_api_key_revoked(&self, key_id: &str) -> bool {
        read(&self.inner.api_keys).contains_key(key_id)
    }

    /// [`Revocations::is_revoked`], failing closed when the copy is older than `max_staleness`.
    pub fn check(&self, claims: &AccessClaims) -> Result<(), RevocationRefusal> {
        if self.is_revoked(claims) {
            return Err(RevocationRefusal::Revoked);
        }
        if self.is_stale() {
            return Err(RevocationRefusal::Unavailable);
        }
        Ok(())
    }

    /// True when the last successful read is older than `max_staleness` (or never happened).
    pub fn is_stale(&self) -> bool {
        let last = self.inner.last_sync_ms.load(Ordering::Relaxed);
        let max = u64::try_from(self.inner.settings.max_staleness.as_millis()).unwrap_or(u64::MAX);
        now_ms().saturating_sub(last) > max
    }

    /// Each new or raised mark from now on (from pub/sub or a resync). A receiver that falls
    /// more than 1024 behind gets `Lagged` and should re-check what it holds with
    /// [`Revocations::is_revoked`].
    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.inner.sender.subscribe()
    }

    /// Applies one mark; broadcasts it and returns true when it is new or later than the one held.
    pub fn apply(&self, revoked: Revoked) -> bool {
        let (hash, field, value) = revoked.hash_entry();
        let map = if hash == ACCOUNT_MARKS_KEY {
            &self.inner.accounts
        } else {
            &self.inner.api_keys
        };
        let raised = {
            let mut marks = write(map);
            match marks.get_mut(field) {
                Some(held) if *held >= value => false,
                Some(held) => {
                    *held = value;
                    true
                }
                None => {
                    marks.insert(field.to_owned(), value);
                    true
                }
            }
        };
        if raised {
            // No receiver is not an error: nobody holds sessions to close.
            let _ = self.inner.sender.send(revoked);
        }
        raised
    }

    /// Reads both hashes, merges them into the copy (broadcasting what is new), and drops
    /// marks older than `retention` here and in Redis. Returns how many marks were new.
    pub async fn resync(&self, bus: &Bus) -> Result<usize, RevocationError> {
        let mut connection = bus.connection();
        let (version, accounts, api_keys): (
            Option<u64>,
            HashMap<String, u64>,
            HashMap<String, u64>,
        ) = redis::pipe()
            .get(bus.key(VERSION_KEY))
            .hgetall(bus.key(ACCOUNT_MARKS_KEY))
            .hgetall(bus.key(API_KEY_MARKS_KEY))
            .query_async(&mut connection)
            .await?;
        let oldest = now_ms().saturating_sub(
            u64::try_from(self.inner.settings.retention.as_millis()).unwrap_or(u64::MAX),
        );
        let mut new = 0;
        let mut expired: Vec<(&'static str, String)> = Vec::new();
        for (user_id, not_before_ms) in accounts {
            if not_before_ms < oldest {
                expired.push((ACCOUNT_MARKS_KEY, user_id));
            } else if self.apply(Revoked::Account {
                user_id,
                not_before_ms,
                reason: RevocationReason::Other,
            }) {
                new += 1;
            }
        }
        for (key_id, revoked_at_ms) in api_keys {
            if revoked_at_ms < oldest {
                expired.push((API_KEY_MARKS_KEY, key_id));
            } else if self.apply(Revoked::ApiKey {
                key_id,
                user_id: String::new(),
                revoked_at_ms,
            }) {
                new += 1;
            }
        }
        write(&self.inner.accounts).retain(|_, mark| *mark >= oldest);
        write(&self.inner.api_keys).retain(|_, mark| *mark >= oldest);
        if !expired.is_empty() {
            let mut pipe = redis::pipe();
            for (hash, field) in &expired {
                pipe.hdel(bus.key(hash), field).ignore();
            }
            pipe.query_async::<()>(&mut connection).await?;
        }
        *self
            .inner
            .synced_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(version);
        self.inner.last_sync_ms.store(now_ms(), Ordering::Relaxed);
        Ok(new)
    }

    /// Reads the version counter and, only when it moved since the last full read (or `full`
    /// is asked for), the whole list: with a large list, the periodic check stays one GET.
    pub async fn resync_if_changed(&self, bus: &Bus, full: bool) -> Result<usize, RevocationError> {
        if !full {
            let version: Option<u64> = redis::cmd("GET")
                .arg(bus.key(VERSION_KEY))
                .query_async(&mut bus.connection())
                .await?;
            let unchanged = *self
                .inner
                .synced_version
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                == Some(version);
            if unchanged {
                self.inner.last_sync_ms.store(now_ms(), Ordering::Relaxed);
                return Ok(0);
            }
        }
        self.resync(bus).await
    }

    async fn resync_logged(&self, bus: &Bus, full: bool) {
        match self.resync_if_changed(bus, full).await {
            Ok(0) => {}
            Ok(new) => tracing::info!(
                new,
                "Revocations read again; some were new to this process."
            ),
            Err(error) => {
                tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Reading the revocation list failed; the last copy stays in force.");
            }
        }
    }

    /// The worker: subscribes to [`REVOCATION_CHANNEL`], resyncs after every (re)subscription
    /// and every `resync_interval`, until `shutdown`. Never ends on a Redis failure.
    pub async fn run(self, bus: Bus, shutdown: CancellationToken) -> WorkerResult {
        let interval = self.inner.settings.resync_interval;
        let mut ticks: u32 = 0;
        loop {
            let subscription = match bus.subscribe(&[REVOCATION_CHANNEL]).await {
                Ok(subscription) => Some(subscription),
                Err(error) => {
                    tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Subscribing to revocations failed; polling until it works.");
                    None
                }
            };
            // Read after subscribing, so nothing published in between is missed.
            self.resync_logged(&bus, true).await;
            let Some(mut subscription) = subscription else {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep(interval) => continue,
                }
            };
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep(interval) => {
                        ticks = ticks.wrapping_add(1);
                        self.resync_logged(&bus, ticks.is_multiple_of(FULL_RESYNC_EVERY)).await;
                    }
                    message = subscription.next() => {
                        let Some(message) = message else {
                            tracing::warn!("The revocation subscription ended; subscribing again.");
                            break;
                        };
                        match message.envelope.decode::<Revoked>() {
                            Ok(envelope) => {
                                self.apply(envelope.payload);
                            }
                            Err(error) => tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Skipping a revocation message that does not decode."),
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use nexus_http::token::Audience;

    fn claims(sub: &str, issued_ms: u64, api_key_id: Option<&str>) -> AccessClaims {
        let seconds = issued_ms / 1000;
        let nanos = u32::try_from(issued_ms % 1000).unwrap() * 1_000_000;
        let jti = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, seconds, nanos));
        AccessClaims {
            iss: "i".into(),
            sub: sub.into(),
            aud: Audience::One("a".into()),
            exp: seconds + 60,
            nbf: seconds,
            iat: seconds,
            jti: jti.to_string(),
            roles: vec!["user".into()],
            amr: vec![],
            scope: None,
            status: None,
            api_key_id: api_key_id.map(str::to_owned),
        }
    }

    #[test]
    fn an_account_mark_voids_earlier_tokens_only_to_the_millisecond() {
        let revocations = Revocations::new(RevocationSettings::default());
        let mark = 1_800_000_000_500;
        assert!(revocations.apply(Revoked::Account {
            user_id: "u1".into(),
            not_before_ms: mark,
            reason: RevocationReason::AccountDisabled,
        }));
        assert!(revocations.is_revoked(&claims("u1", mark - 1, None)));
        assert!(!revocations.is_revoked(&claims("u1", mark, None)));
        assert!(!revocations.is_revoked(&claims("u1", mark + 1, None)));
        assert!(!revocations.is_revoked(&claims("u2", mark - 1, None)));
    }

    #[test]
    fn marks_only_rise_and_only_rises_are_broadcast() {
        let revocations = Revocations::new(RevocationSettings::default());
        let mut receiver = revocations.subscribe();
        let mark = |ms| Revoked::Account {
            user_id: "u1".into(),
            not_before_ms: ms,
            reason: RevocationReason::Other,
        };
        assert!(revocations.apply(mark(2_000)));
        assert!(!revocations.apply(mark(1_000)));
        assert!(!revocations.apply(mark(2_000)));
        assert!(revocations.apply(mark(3_000)));
        assert_eq!(receiver.try_recv().unwrap(), mark(2_000));
        assert_eq!(receiver.try_recv().unwrap(), mark(3_000));
        assert!(receiver.try_recv().is_err());
    }

    #[test]
    fn a_revoked_api_key_voids_its_tokens_and_not_the_accounts_others() {
        let revocations = Revocations::new(RevocationSettings::default());
        revocations.apply(Revoked::api_key_now("k1", "u1"));
        let now = now_ms();
        assert!(revocations.is_revoked(&claims("u1", now + 10, Some("k1"))));
        assert!(!revocations.is_revoked(&claims("u1", now - 10, Some("k2"))));
        assert!(!revocations.is_revoked(&claims("u1", now - 10, None)));
    }

    #[test]
    fn a_copy_never_synced_fails_closed_and_a_jti_that_disagrees_with_iat_counts_as_early() {
        let revocations = Revocations::new(RevocationSettings::default());
        assert_eq!(
            revocations.check(&claims("u1", now_ms(), None)),
            Err(RevocationRefusal::Unavailable)
        );
        let mut odd = claims("u1", 1_800_000_000_900, None);
        odd.jti = "not-a-uuid".into();
        assert_eq!(odd.issued_at_ms(), 1_800_000_000_000);
    }

    #[test]
    fn the_announcement_round_trips_as_an_envelope() {
        let revoked = Revoked::account_now("u1", RevocationReason::PasswordChanged);
        let json = serde_json::to_value(Envelope::new(revoked.clone())).unwrap();
        let raw: nexus_proto::event::RawEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(raw.decode::<Revoked>().unwrap().payload, revoked);
    }
}
