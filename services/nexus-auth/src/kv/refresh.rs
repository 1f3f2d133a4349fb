//! Refresh tokens: opaque, single use, rotated on every refresh, grouped in families.
//!
//! Layout (all under the service's key prefix):
//! - `refresh:<sha256 of token>`: hash `fam` (family id), `uid` (user id), `st` (`a` active,
//!   `u` used), `amr` (space-separated methods), `ms` (when the family's sign-in happened, Unix
//!   ms: a family older than the account's revocation mark is refused). TTL `refresh_token_ttl`; a used record keeps its
//!   TTL so a replay is recognised until the token would have expired anyway.
//! - `refresh-revoked:<family>`: present when the family is revoked (logout or reuse). Its TTL
//!   is `refresh_token_ttl`, which outlives every token of the family.
//!
//! Rotation is one Lua script, so two concurrent refreshes of the same token are serialised by
//! Redis: the first marks it used and creates the successor; the second sees `used`, which is
//! exactly the reuse case, and revokes the family (including the successor the first got).

use std::time::Duration;

use nexus_core::UserId;
use redis::Script;
use uuid::Uuid;

use super::{Kv, millis};
use crate::domain::secrets::{opaque_token, sha256_hex};

const ROTATE: &str = r"
local fam = redis.call('HGET', KEYS[1], 'fam')
if not fam then return {'unknown'} end
local uid = redis.call('HGET', KEYS[1], 'uid')
local revoked = ARGV[1] .. fam
if redis.call('EXISTS', revoked) == 1 then return {'revoked', fam, uid} end
if redis.call('HGET', KEYS[1], 'st') ~= 'a' then
  redis.call('SET', revoked, '1', 'PX', ARGV[2])
  return {'reused', fam, uid}
end
local amr = redis.call('HGET', KEYS[1], 'amr') or ''
local started = redis.call('HGET', KEYS[1], 'ms') or '0'
redis.call('HSET', KEYS[1], 'st', 'u')
redis.call('HSET', KEYS[2], 'fam', fam, 'uid', uid, 'st', 'a', 'amr', amr, 'ms', started)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {'rotated', fam, uid, amr, started}
";

/// What a refresh token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The family (one sign-in and all its rotations).
    pub family: Uuid,
    /// The user.
    pub user_id: UserId,
    /// How the sign-in that started the family authenticated.
    pub amr: Vec<String>,
    /// When that sign-in happened (Unix ms; 0 for families from before this field).
    pub started_ms: u64,
}

/// The outcome of presenting a refresh token. Its `Debug` form prints the successor token as
/// `<redacted>`: it is a live credential.
#[derive(Clone, PartialEq, Eq)]
pub enum Rotation {
    /// Valid: here is its successor.
    Rotated {
        /// The record (same family).
        record: RefreshRecord,
        /// The new token.
        token: String,
    },
    /// Unknown or expired.
    Unknown,
    /// Its family was revoked earlier.
    Revoked,
    /// It was used before: the family is now revoked.
    Reused {
        /// The revoked family.
        family: Uuid,
        /// Its user.
        user_id: UserId,
    },
}

impl std::fmt::Debug for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rotation::Rotated { record, .. } => f
                .debug_struct("Rotated")
                .field("record", record)
                .field("token", &"<redacted>")
                .finish(),
            Rotation::Unknown => f.write_str("Unknown"),
            Rotation::Revoked => f.write_str("Revoked"),
            Rotation::Reused { family, user_id } => f
                .debug_struct("Reused")
                .field("family", family)
                .field("user_id", user_id)
                .finish(),
        }
    }
}

/// The refresh token store.
#[derive(Debug, Clone)]
pub struct RefreshStore {
    kv: Kv,
    ttl: Duration,
    rotate: std::sync::Arc<Script>,
}

fn parse_uuid(text: Option<&String>) -> Option<Uuid> {
    text.and_then(|text| Uuid::parse_str(text).ok())
}

fn parse_user_id(text: Option<&String>) -> Option<UserId> {
    parse_uuid(text).map(UserId::from_uuid)
}

impl RefreshStore {
    /// Tokens in `kv` living `ttl`.
    pub fn new(kv: Kv, ttl: Duration) -> Self {
        Self {
            kv,
            ttl,
            rotate: std::sync::Arc::new(Script::new(ROTATE)),
        }
    }

    /// The lifetime of an unused token.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn token_key(&self, token: &str) -> String {
        self.kv.key(&format!("refresh:{}", sha256_hex(token)))
    }

    fn revoked_prefix(&self) -> String {
        self.kv.key("refresh-revoked:")
    }

    /// Starts a new family for `user_id` and returns its first token.
    pub async fn issue(
        &self,
        user_id: UserId,
        amr: &[String],
    ) -> Result<String, redis::RedisError> {
        let token = opaque_token();
        let key = self.token_key(&token);
        let family = Uuid::now_v7().to_string();
        let user = user_id.to_string();
        let methods = amr.join(" ");
        let started = nexus_runtime::revocation::now_ms().to_string();
        let mut connection = self.kv.connection();
        redis::pipe()
            .atomic()
            .hset_multiple(
                &key,
                &[
                    ("fam", family.as_str()),
                    ("uid", user.as_str()),
                    ("st", "a"),
                    ("amr", methods.as_str()),
                    ("ms", started.as_str()),
                ],
            )
            .ignore()
            .pexpire(&key, i64::try_from(millis(self.ttl)).unwrap_or(i64::MAX))
            .ignore()
            .query_async::<()>(&mut connection)
            .await?;
        Ok(token)
    }

    /// Reads a token's record without using it (None when unknown, used or revoked).
    pub async fn peek(&self, token: &str) -> Result<Option<RefreshRecord>, redis::RedisError> {
        let mut connection = self.kv.connection();
        let fields: std::collections::HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.token_key(token))
            .query_async(&mut connection)
            .await?;
        let (Some(family), Some(user_id)) = (
            parse_uuid(fields.get("fam")),
            parse_user_id(fields.get("uid")),
        ) else {
            return Ok(None);
        };
        if fields.get("st").map(String::as_str) != Some("a") {
            return Ok(None);
        }
        let revoked: bool = redis::cmd("EXISTS")
            .arg(format!("{}{family}", self.revoked_prefix()))
            .query_async(&mut connection)
            .await?;
        if revoked {
            return Ok(None);
        }
        Ok(Some(RefreshRecord {
            family,
            user_id,
            amr: split_amr(fields.get("amr").map_or("", String::as_str)),
            started_ms: fields.get("ms").and_then(|ms| ms.parse().ok()).unwrap_or(0),
        }))
    }

    /// Uses `token` atomically: rotates it, or reports why not (revoking on reuse).
    pub async fn rotate(&self, token: &str) -> Result<Rotation, redis::RedisError> {
        let successor = opaque_token();
        let mut connection = self.kv.connection();
        let reply: Vec<String> = self
            .rotate
            .key(self.token_key(token))
            .key(self.token_key(&successor))
            .arg(self.revoked_prefix())
            .arg(millis(self.ttl))
            .invoke_async(&mut connection)
            .await?;
        let outcome = reply.first().map(String::as_str);
        let family = parse_uuid(reply.get(1));
        let user_id = parse_user_id(reply.get(2));
        Ok(match (outcome, family, user_id) {
            (Some("rotated"), Some(family), Some(user_id)) => Rotation::Rotated {
                record: RefreshRecord {
                    family,
                    user_id,
                    amr: split_amr(reply.get(3).map_or("", String::as_str)),
                    started_ms: reply.get(4).and_then(|ms| ms.parse().ok()).unwrap_or(0),
                },
                token: successor,
            },
            (Some("reused"), Some(family), Some(user_id)) => Rotation::Reused { family, user_id },
            (Some("revoked"), _, _) => Rotation::Revoked,
            _ => Rotation::Unknown,
        })
    }

    /// Revokes `family` (every token in it stops working).
    pub async fn revoke_family(&self, family: Uuid) -> Result<(), redis::RedisError> {
        let mut connection = self.kv.connection();
        redis::cmd("SET")
            .arg(format!("{}{family}", self.revoked_prefix()))
            .arg("1")
            .arg("PX")
            .arg(millis(self.ttl))
            .query_async::<()>(&mut connection)
            .await
    }
}

fn split_amr(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_prints_without_its_successor_token() {
        let rotation = Rotation::Rotated {
            record: RefreshRecord {
                family: Uuid::now_v7(),
                user_id: UserId::from_uuid(Uuid::now_v7()),
                amr: vec!["pwd".to_owned()],
                started_ms: 1,
            },
            token: "s3cret-refresh-token".to_owned(),
        };
        for printed in [format!("{rotation:?}"), format!("{rotation:#?}")] {
            assert!(!printed.contains("s3cret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
            assert!(
                printed.contains("pwd"),
                "the record stays visible: {printed}"
            );
        }
    }
}
