//! The relayer's settings, the `[bounty.relayer]` part of `[bounty]`
//! (`NEXUS_BOUNTY__RELAYER__<KEY>`).
//!
//! The node is not here: it is the service's `[bounty.chain]` ([`nexus_chain::settings::ChainSettings`],
//! RPC URL, expected chain id, request timeout), handed to [`run`](super::run) beside these.

use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use nexus_config::Validate;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// One gwei in wei.
const GWEI: u64 = 1_000_000_000;

/// How the platform's relayer sends the queued transactions.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RelayerSettings {
    /// The relayer account's private key (hex, 32 bytes, `0x` optional): the platform's own key,
    /// which pays the gas; never a user's. A secret: never logged, redacted in `Debug`. Unset:
    /// this instance sends nothing (requests are still queued, another instance or a later
    /// start sends them).
    pub private_key: Option<SecretString>,
    /// Highest `maxFeePerGas` the relayer ever signs, in wei (a replacement stops bumping here).
    pub max_fee_per_gas: u64,
    /// Highest `maxPriorityFeePerGas` (the tip), in wei.
    pub max_priority_fee_per_gas: u64,
    /// Blocks of fee history the tip is taken from (the median reward of those blocks).
    pub fee_history_blocks: u64,
    /// Margin added to the node's gas estimate, in percent.
    pub gas_limit_margin_percent: u64,
    /// A sent transaction without a receipt for this long is replaced (same nonce, higher fees).
    #[serde(with = "humantime_serde")]
    pub stuck_timeout: Duration,
    /// How much a replacement raises both fees, in percent (nodes require at least 10).
    pub replacement_bump_percent: u64,
    /// Tries a job gets (estimation reverted, node refused the transaction) before it fails;
    /// an unreachable node does not use them up: the job waits for the node.
    pub max_attempts: u32,
    /// Wait after the first failed try; doubled after each further one.
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    /// Longest wait between two tries.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// How often the sender looks for due jobs and receipts.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Consecutive RPC failures that open the circuit breaker (no request until it half-opens).
    pub breaker_failure_threshold: u32,
    /// How long the breaker stays open before one trial request.
    #[serde(with = "humantime_serde")]
    pub breaker_open_duration: Duration,
    /// Most jobs signed and broadcast in one round of the sender.
    pub batch_size: u32,
}

impl Default for RelayerSettings {
    fn default() -> Self {
        Self {
            private_key: None,
            max_fee_per_gas: 500 * GWEI,
            max_priority_fee_per_gas: 5 * GWEI,
            fee_history_blocks: 10,
            gas_limit_margin_percent: 20,
            stuck_timeout: Duration::from_secs(60),
            replacement_bump_percent: 15,
            max_attempts: 5,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
            poll_interval: Duration::from_secs(1),
            breaker_failure_threshold: 3,
            breaker_open_duration: Duration::from_secs(10),
            batch_size: 64,
        }
    }
}

impl RelayerSettings {
    /// The relayer's signer, `None` when no key is configured.
    pub fn signer(&self) -> Result<Option<PrivateKeySigner>, String> {
        let Some(key) = &self.private_key else {
            return Ok(None);
        };
        let text = key.expose_secret().trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        // The parse error of a key must not echo the key, so it is replaced by a fixed text.
        text.parse::<PrivateKeySigner>()
            .map(Some)
            .map_err(|_| "is not a 32-byte hex secp256k1 private key".to_owned())
    }
}

impl Validate for RelayerSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        let mut problem =
            |key: &str, text: &str| problems.push(format!("bounty.relayer.{key} {text}"));
        if let Err(error) = self.signer() {
            problem("private_key", &error);
        }
        if self.max_fee_per_gas == 0 {
            problem("max_fee_per_gas", "must be greater than 0");
        }
        if self.max_priority_fee_per_gas > self.max_fee_per_gas {
            problem(
                "max_priority_fee_per_gas",
                "must not exceed max_fee_per_gas",
            );
        }
        if !(1..=1024).contains(&self.fee_history_blocks) {
            problem("fee_history_blocks", "must be between 1 and 1024");
        }
        if self.gas_limit_margin_percent > 200 {
            problem("gas_limit_margin_percent", "must be at most 200");
        }
        if !(10..=100).contains(&self.replacement_bump_percent) {
            problem("replacement_bump_percent", "must be between 10 and 100");
        }
        if !(1..=20).contains(&self.max_attempts) {
            problem("max_attempts", "must be between 1 and 20");
        }
        if self.backoff_base.is_zero() || self.backoff_base > self.backoff_max {
            problem(
                "backoff_base",
                "must be greater than 0 and at most backoff_max",
            );
        }
        if self.poll_interval.is_zero() || self.poll_interval > self.stuck_timeout {
            problem(
                "poll_interval",
                "must be greater than 0 and at most stuck_timeout",
            );
        }
        if self.breaker_failure_threshold == 0 {
            problem("breaker_failure_threshold", "must be greater than 0");
        }
        if self.breaker_open_duration.is_zero() {
            problem("breaker_open_duration", "must be greater than 0");
        }
        if !(1..=1000).contains(&self.batch_size) {
            problem("batch_size", "must be between 1 and 1000");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// anvil's first well-known development key: public knowledge, never a real secret.
    const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn problems(settings: &RelayerSettings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        problems
    }

    #[test]
    fn the_defaults_are_valid_and_send_nothing_without_a_key() {
        let settings = RelayerSettings::default();
        assert!(problems(&settings).is_empty());
        assert!(settings.signer().unwrap().is_none());
    }

    #[test]
    fn the_key_is_redacted_in_debug_and_in_the_refusal_of_a_bad_one() {
        let settings = RelayerSettings {
            private_key: Some(DEV_KEY.into()),
            ..RelayerSettings::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("ac0974bec39a17e3"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        let address = settings.signer().unwrap().unwrap().address();
        assert_eq!(
            address.to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );

        let almost = &DEV_KEY[..DEV_KEY.len() - 1];
        let bad = RelayerSettings {
            private_key: Some(almost.into()),
            ..RelayerSettings::default()
        };
        let problems = problems(&bad);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("bounty.relayer.private_key"));
        assert!(!problems[0].contains(&almost[2..20]), "{problems:?}");
    }

    #[test]
    fn nonsense_is_refused_naming_every_key() {
        let settings = RelayerSettings {
            max_fee_per_gas: 0,
            max_priority_fee_per_gas: 1,
            fee_history_blocks: 0,
            gas_limit_margin_percent: 500,
            replacement_bump_percent: 5,
            max_attempts: 0,
            backoff_base: Duration::from_secs(600),
            poll_interval: Duration::ZERO,
            breaker_failure_threshold: 0,
            breaker_open_duration: Duration::ZERO,
            batch_size: 0,
            ..RelayerSettings::default()
        };
        let problems = problems(&settings);
        for key in [
            "max_fee_per_gas ",
            "max_priority_fee_per_gas",
            "fee_history_blocks",
            "gas_limit_margin_percent",
            "replacement_bump_percent",
            "max_attempts",
            "backoff_base",
            "poll_interval",
            "breaker_failure_threshold",
            "breaker_open_duration",
            "batch_size",
        ] {
            assert!(
                problems.iter().any(|problem| problem.contains(key)),
                "{key} missing from {problems:?}"
            );
        }
        assert_eq!(problems.len(), 11, "{problems:?}");
    }
}
