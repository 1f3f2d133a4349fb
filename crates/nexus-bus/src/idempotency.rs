//! Redis-side idempotent effects: apply an effect at most once per event id.
//!
//! Delivery is at least once, so a handler can see the same envelope again (a retry, a reclaim
//! after its consumer died between the effect and the `XACK`, an outbox relaying twice). For
//! effects that live in Redis (counters, leaderboards, caches), [`Idempotency::apply_once`] runs a
//! Lua script that, atomically, checks a marker key for the event id, applies the commands of a
//! [`RedisEffect`] only when the marker is absent, and then sets the marker with a TTL.
//!
//! Redis does not roll back a script whose command fails midway (e.g. `WRONGTYPE`), so keep an
//! effect to commands that cannot fail on well-typed keys. Effects in Postgres use an inbox row
//! written in the same transaction instead (nexus-db).

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionLike;
use uuid::Uuid;

use crate::bus::Bus;
use crate::error::BusError;

/// KEYS[1] is the marker; KEYS[i + 1] is the key of command i. ARGV[1] is the marker TTL in
/// milliseconds; ARGV[2] is a JSON array of commands, each `[name, arg...]` with string arguments.
const APPLY_ONCE_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local commands = cjson.decode(ARGV[2])
for index, command in ipairs(commands) do
  local call = { command[1], KEYS[index + 1] }
  for position = 2, #command do
    call[#call + 1] = command[position]
  end
  redis.call(unpack(call))
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
";

/// One Redis command of an effect: its name, its single key and the arguments after the key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EffectCommand {
    name: String,
    key: String,
    arguments: Vec<String>,
}

/// A list of single-key Redis commands applied together by [`Idempotency::apply_once`].
///
/// Keys are used as given: build them with [`Bus::keys`] to stay under the deployment prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedisEffect {
    commands: Vec<EffectCommand>,
}

impl RedisEffect {
    /// An empty effect (applying it only records the event id).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds any command of the form `NAME key arg...`.
    #[must_use]
    pub fn command(
        mut self,
        name: impl Into<String>,
        key: impl Into<String>,
        arguments: impl IntoIterator<Item = impl ToString>,
    ) -> Self {
        self.commands.push(EffectCommand {
            name: name.into(),
            key: key.into(),
            arguments: arguments
                .into_iter()
                .map(|argument| argument.to_string())
                .collect(),
        });
        self
    }

    /// Adds `INCRBY key delta`.
    #[must_use]
    pub fn incr_by(self, key: impl Into<String>, delta: i64) -> Self {
        self.command("INCRBY", key, [delta])
    }

    /// Adds `HINCRBY key field delta`.
    #[must_use]
    pub fn hincr_by(self, key: impl Into<String>, field: &str, delta: i64) -> Self {
        self.command("HINCRBY", key, [field.to_owned(), delta.to_string()])
    }

    /// Adds `ZINCRBY key delta member` (e.g. a leaderboard score).
    #[must_use]
    pub fn zincr_by(self, key: impl Into<String>, member: &str, delta: f64) -> Self {
        self.command("ZINCRBY", key, [delta.to_string(), member.to_owned()])
    }

    /// Adds `SET key value`.
    #[must_use]
    pub fn set(self, key: impl Into<String>, value: &str) -> Self {
        self.command("SET", key, [value])
    }

    /// Adds `SADD key member`.
    #[must_use]
    pub fn sadd(self, key: impl Into<String>, member: &str) -> Self {
        self.command("SADD", key, [member])
    }
}

/// Applies [`RedisEffect`]s at most once per event id within one scope.
#[derive(Debug, Clone)]
pub struct Idempotency {
    marker_prefix: String,
    marker_ttl: Duration,
    script: Script,
}

impl Idempotency {
    /// Markers are `<marker_prefix><event id>` and expire after `marker_ttl`, which must exceed the
    /// longest time a duplicate can still arrive (stream retention, outbox relay retries).
    pub fn new(marker_prefix: impl Into<String>, marker_ttl: Duration) -> Self {
        Self {
            marker_prefix: marker_prefix.into(),
            marker_ttl,
            script: Script::new(APPLY_ONCE_SCRIPT),
        }
    }

    /// Markers under the bus prefix, one namespace per `scope` (usually the consumer group, so
    /// each group applies its own effect once): `<key_prefix>nexus:idempotency:<scope>:<event id>`.
    pub fn for_bus(bus: &Bus, scope: &str, marker_ttl: Duration) -> Self {
        Self::new(
            bus.keys()
                .namespace("idempotency")
                .key(&format!("{scope}:")),
            marker_ttl,
        )
    }

    /// The marker key of `event_id`.
    pub fn marker_key(&self, event_id: Uuid) -> String {
        format!("{}{event_id}", self.marker_prefix)
    }

    /// Applies `effect` unless it was already applied for `event_id`. Returns whether it ran now.
    pub async fn apply_once(
        &self,
        connection: &mut impl ConnectionLike,
        event_id: Uuid,
        effect: &RedisEffect,
    ) -> Result<bool, BusError> {
        let commands: Vec<Vec<&str>> = effect
            .commands
            .iter()
            .map(|command| {
                std::iter::once(command.name.as_str())
                    .chain(command.arguments.iter().map(String::as_str))
                    .collect()
            })
            .collect();
        let commands_json = serde_json::to_string(&commands).map_err(BusError::Encode)?;
        let ttl_millis = u64::try_from(self.marker_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut invocation = self.script.prepare_invoke();
        invocation.key(self.marker_key(event_id));
        for command in &effect.commands {
            invocation.key(&command.key);
        }
        invocation.arg(ttl_millis).arg(commands_json);
        let applied: i64 = invocation.invoke_async(connection).await?;
        Ok(applied == 1)
    }

    /// Whether an effect was already applied for `event_id` (and its marker has not expired).
    pub async fn was_applied(
        &self,
        connection: &mut impl ConnectionLike,
        event_id: Uuid,
    ) -> Result<bool, BusError> {
        let exists: bool = redis::cmd("EXISTS")
            .arg(self.marker_key(event_id))
            .query_async(connection)
            .await?;
        Ok(exists)
    }
}
