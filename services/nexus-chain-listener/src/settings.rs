//! `[chain_listener]` settings (`NEXUS_CHAIN_LISTENER__<KEY>`). As in every section a service
//! reads, an unknown key in `[chain_listener]` is refused at start (nexus-config's loader).

use std::time::Duration;

use nexus_chain::settings::ChainSettings;
use nexus_config::Validate;
use serde::Deserialize;

/// The largest `max_block_range` accepted: more than any public node serves in one
/// `eth_getLogs`, so a larger value is a units mistake.
pub const MAX_BLOCK_RANGE: u64 = 100_000;

/// The chain listener's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ChainListenerSettings {
    /// `[chain_listener.chain]`: RPC URL, deployments file, expected chain id, request timeout
    /// and the confirmation depth (`confirmations`, 12 by default, 0-2 on anvil): only blocks at
    /// least that far below the head are read, so only confirmed logs become events.
    pub chain: ChainSettings,
    /// How often the head is polled (`eth_blockNumber`; HTTP has no subscriptions).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// The widest `eth_getLogs` range, in blocks. Halved on every refusal from the node, grown
    /// back after successes.
    pub max_block_range: u64,
    /// The deepest reorganisation followed, in blocks. A deeper one stops ingestion, turns
    /// `/ready` to 503 with the reason and changes nothing stored: an operator decides.
    pub max_reorg_depth: u64,
    /// The longest wait between retries while the node is unreachable or failing (the wait
    /// doubles from `poll_interval` up to this).
    #[serde(with = "humantime_serde")]
    pub max_retry_backoff: Duration,
}

impl Default for ChainListenerSettings {
    fn default() -> Self {
        Self {
            chain: ChainSettings::default(),
            poll_interval: Duration::from_secs(2),
            max_block_range: 2_000,
            max_reorg_depth: 64,
            max_retry_backoff: Duration::from_secs(30),
        }
    }
}

impl Validate for ChainListenerSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        self.chain.validate_at("chain_listener.chain", problems);
        if self.poll_interval.is_zero() {
            problems.push("chain_listener.poll_interval must be above zero".to_owned());
        }
        if self.max_block_range == 0 || self.max_block_range > MAX_BLOCK_RANGE {
            problems.push(format!(
                "chain_listener.max_block_range must be between 1 and {MAX_BLOCK_RANGE} blocks"
            ));
        }
        if self.max_reorg_depth == 0 {
            problems.push("chain_listener.max_reorg_depth must be at least 1 block".to_owned());
        }
        if self.max_retry_backoff < self.poll_interval {
            problems.push(
                "chain_listener.max_retry_backoff must be at least chain_listener.poll_interval"
                    .to_owned(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_every_bad_value_is_named() {
        let mut problems = Vec::new();
        ChainListenerSettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let settings = ChainListenerSettings {
            poll_interval: Duration::ZERO,
            max_block_range: 0,
            max_reorg_depth: 0,
            ..ChainListenerSettings::default()
        };
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
