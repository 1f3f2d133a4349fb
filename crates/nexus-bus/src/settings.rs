//! Tunables of the bus, passed in as a value.

use std::time::Duration;

use serde::Deserialize;

use crate::error::BusError;

/// Settings of a [`Bus`](crate::Bus) and of every consumer it creates.
///
/// Durations are written in humantime form (`"2s"`, `"500ms"`). Every field has a default, so a
/// config file only names what it changes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BusSettings {
    /// Approximate cap on the number of entries kept per stream (`XADD MAXLEN ~`). Trimming is
    /// approximate so Redis can drop whole macro-nodes; entries still pending in a group can be
    /// trimmed away if consumers fall this far behind, so size it well above the expected backlog.
    pub stream_max_len: usize,
    /// Approximate cap on the number of entries kept per dead-letter stream (`<stream>:dead`).
    pub dead_letter_max_len: usize,
    /// How long one `XREADGROUP BLOCK` waits for new entries before the consumer loops (and checks
    /// for reclaimable entries and shutdown). It bounds how late a reclaim can start.
    #[serde(with = "humantime_serde")]
    pub read_block: Duration,
    /// Maximum number of entries read (or reclaimed) per round trip. The last entry of a batch
    /// waits for the ones before it, so `batch_size × handler_timeout` must stay below
    /// `claim_idle` (checked at start by [`BusSettings::check_claim_budget`]).
    pub batch_size: usize,
    /// Minimum idle time of a pending entry before another consumer reclaims it with `XAUTOCLAIM`.
    /// It is also the redelivery delay after a retryable handler error. It must exceed the longest
    /// time a healthy consumer holds an entry (see `handler_timeout`), otherwise a slow but alive
    /// consumer's entry is handled twice (harmless for idempotent handlers, but wasted work).
    #[serde(with = "humantime_serde")]
    pub claim_idle: Duration,
    /// How often a consumer scans the group's pending entries for reclaimable ones.
    #[serde(with = "humantime_serde")]
    pub reclaim_interval: Duration,
    /// Longest time one handler call may take; a call that takes longer is abandoned and counts as
    /// a retryable failure. Keep it below `claim_idle`, and `batch_size` × the typical handler
    /// time below `claim_idle` too, or entries still waiting in a consumer's batch are reclaimed
    /// by another consumer and handled twice.
    #[serde(with = "humantime_serde")]
    pub handler_timeout: Duration,
    /// Maximum number of deliveries of one entry. A retryable failure on the last delivery, or an
    /// entry found with more deliveries than this (its consumers kept dying), is dead-lettered.
    pub max_deliveries: u32,
    /// Pause of a consumer's run loop after a Redis error, before it tries again.
    #[serde(with = "humantime_serde")]
    pub error_backoff: Duration,
}

impl Default for BusSettings {
    fn default() -> Self {
        Self {
            stream_max_len: 100_000,
            dead_letter_max_len: 10_000,
            read_block: Duration::from_secs(2),
            // One entry per read: with the 30 s handler timeout and 60 s claim_idle, a second
            // entry in the same batch could wait long enough to be reclaimed and run twice.
            batch_size: 1,
            claim_idle: Duration::from_secs(60),
            reclaim_interval: Duration::from_secs(5),
            handler_timeout: Duration::from_secs(30),
            max_deliveries: 5,
            error_backoff: Duration::from_secs(1),
        }
    }
}

impl BusSettings {
    /// Checks the values that would make the bus misbehave rather than merely be slow.
    pub fn validate(&self) -> Result<(), BusError> {
        let problem = if self.stream_max_len == 0 {
            "stream_max_len must be at least 1"
        } else if self.dead_letter_max_len == 0 {
            "dead_letter_max_len must be at least 1"
        } else if self.batch_size == 0 {
            "batch_size must be at least 1"
        } else if self.max_deliveries == 0 {
            "max_deliveries must be at least 1"
        } else if self.claim_idle.is_zero() {
            "claim_idle must be positive"
        } else if self.handler_timeout.is_zero() {
            "handler_timeout must be positive"
        } else if self.read_block.is_zero() {
            // BLOCK 0 means "forever" to Redis, which would make shutdown wait for traffic.
            "read_block must be positive"
        } else {
            return Ok(());
        };
        Err(BusError::InvalidSettings(problem.to_owned()))
    }

    /// Checks that a consumer can finish everything it claims before another consumer may
    /// reclaim it: `batch_size × handler_timeout < claim_idle`. The last entry of a batch is
    /// pending (idle, for Redis) from the moment it is read until its handler ends, which can be
    /// `batch_size × handler_timeout` later; past `claim_idle` another consumer takes it over
    /// and it runs twice. The runtime refuses to start a service whose settings break this.
    pub fn check_claim_budget(&self) -> Result<(), BusError> {
        let batch = u32::try_from(self.batch_size).unwrap_or(u32::MAX);
        let held = self.handler_timeout.saturating_mul(batch);
        if held < self.claim_idle {
            return Ok(());
        }
        Err(BusError::InvalidSettings(format!(
            "bus.batch_size ({}) × bus.handler_timeout ({:?}) = {held:?} must be less than \
             bus.claim_idle ({:?}), or entries waiting in a batch are reclaimed by another \
             consumer and handled twice; lower bus.batch_size or bus.handler_timeout, or raise \
             bus.claim_idle",
            self.batch_size, self.handler_timeout, self.claim_idle
        )))
    }

    /// `read_block` in whole milliseconds, at least 1.
    pub(crate) fn read_block_millis(&self) -> usize {
        usize::try_from(self.read_block.as_millis())
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// `claim_idle` in whole milliseconds, at least 1.
    pub(crate) fn claim_idle_millis(&self) -> u64 {
        u64::try_from(self.claim_idle.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn defaults_are_valid() {
        BusSettings::default().validate().unwrap();
    }

    #[test]
    fn partial_config_keeps_other_defaults_and_reads_humantime() {
        let settings: BusSettings =
            serde_json::from_str(r#"{"claim_idle": "250ms", "max_deliveries": 3}"#).unwrap();
        assert_eq!(settings.claim_idle, Duration::from_millis(250));
        assert_eq!(settings.max_deliveries, 3);
        assert_eq!(settings.batch_size, BusSettings::default().batch_size);
    }

    #[test]
    fn a_batch_longer_than_the_reclaim_time_is_refused_naming_the_keys() {
        BusSettings::default().check_claim_budget().unwrap();
        let settings = BusSettings {
            batch_size: 16,
            handler_timeout: Duration::from_secs(30),
            claim_idle: Duration::from_secs(60),
            ..BusSettings::default()
        };
        let error = settings.check_claim_budget().unwrap_err().to_string();
        for key in ["bus.batch_size", "bus.handler_timeout", "bus.claim_idle"] {
            assert!(error.contains(key), "{error}");
        }
    }

    #[test]
    fn zero_batch_size_is_refused() {
        let settings = BusSettings {
            batch_size: 0,
            ..BusSettings::default()
        };
        let error = settings.validate().unwrap_err();
        assert_eq!(error.code(), "bus_invalid_settings");
    }
}
