//! Redis key names: the one place that prefixes them.
//!
//! Every key of the platform reads `<key_prefix>nexus:<namespace>:<name>`:
//! - `key_prefix` (`redis.key_prefix`) separates deployments or tests sharing one Redis. It is
//!   empty in production and `test:<uuid>:` in tests; it is not where `nexus:` comes from.
//! - Streams and pub/sub channels are named in full by their events
//!   (`Event::STREAM`, e.g. `nexus:analysis:jobs:v1`), so [`RedisKeys::stream`] adds only the
//!   deployment prefix.
//! - Everything else (caches, rate limits, challenges, markers) lives in a namespace named after
//!   its owner: `keys.namespace("user").key("siwe:<nonce>")` is `nexus:user:siwe:<nonce>`.
//!
//! Before this type, `key_prefix` defaulted to `nexus:` and stream names carried `nexus:` too, so
//! real stream keys read `nexus:nexus:analysis:jobs:v1`.

use std::sync::Arc;

/// The platform's part of every key below the deployment prefix.
const PLATFORM: &str = "nexus:";

/// The key names of one deployment (one `redis.key_prefix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisKeys {
    prefix: Arc<str>,
}

impl RedisKeys {
    /// Keys under `key_prefix` (empty in production).
    pub fn new(key_prefix: impl Into<String>) -> Self {
        Self {
            prefix: Arc::from(key_prefix.into()),
        }
    }

    /// The deployment prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key (and pub/sub channel) of a stream named in full, e.g. an `Event::STREAM`:
    /// `<key_prefix><stream>`.
    pub fn stream(&self, stream: &str) -> String {
        format!("{}{stream}", self.prefix)
    }

    /// The keys owned by `namespace` (a service or a shared component, e.g. `user`, `gateway`,
    /// `idempotency`): `<key_prefix>nexus:<namespace>:`.
    pub fn namespace(&self, namespace: &str) -> KeyNamespace {
        KeyNamespace {
            base: Arc::from(format!("{}{PLATFORM}{namespace}:", self.prefix)),
        }
    }
}

/// The keys of one owner, e.g. `nexus:user:`; cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNamespace {
    base: Arc<str>,
}

impl KeyNamespace {
    /// The full key of `name` in this namespace.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.base)
    }

    /// The namespace's own prefix, ending in `:`, for code that appends names itself.
    pub fn prefix(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_keys_carry_the_platform_prefix_once() {
        let keys = RedisKeys::new("");
        assert_eq!(
            keys.stream("nexus:analysis:jobs:v1"),
            "nexus:analysis:jobs:v1"
        );
        assert_eq!(
            keys.namespace("user").key("siwe:abc"),
            "nexus:user:siwe:abc"
        );
        assert_eq!(keys.namespace("auth").prefix(), "nexus:auth:");
    }

    #[test]
    fn a_test_prefix_goes_in_front_of_everything() {
        let keys = RedisKeys::new("test:42:");
        assert_eq!(
            keys.stream("nexus:analysis:jobs:v1"),
            "test:42:nexus:analysis:jobs:v1"
        );
        assert_eq!(
            keys.namespace("gateway").key("rl:ip:127.0.0.1"),
            "test:42:nexus:gateway:rl:ip:127.0.0.1"
        );
    }
}
