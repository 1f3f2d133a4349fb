//! `[bounty]` settings (`NEXUS_BOUNTY__<KEY>`), with two nested tables:
//!
//! - `[bounty.chain]` (`NEXUS_BOUNTY__CHAIN__<KEY>`): the node and deployments file the service
//!   reads and the relayer writes to ([`ChainSettings`], shared with every chain-facing service).
//! - `[bounty.relayer]` (`NEXUS_BOUNTY__RELAYER__<KEY>`): the relayer's key, fee caps and retry
//!   schedule ([`RelayerSettings`]).
//! - `[bounty.scheduler]` (`NEXUS_BOUNTY__SCHEDULER__<KEY>`): how often due calls are queued
//!   ([`SchedulerSettings`]).
//!
//! As in every section a service reads, an unknown key in `[bounty]` or its tables is refused at
//! start (nexus-config's loader), not silently ignored.

use std::time::Duration;

use nexus_chain::settings::ChainSettings;
use nexus_config::Validate;
use serde::Deserialize;

use crate::relayer::RelayerSettings;

/// The bounty service's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BountySettings {
    /// Base URL of nexus-user (which wallets an account has linked).
    pub user_url: String,
    /// Base URL of nexus-analysis (whether a file artifact exists and who may read it).
    pub analysis_url: String,
    /// `[bounty.chain]`: the chain and the contracts' deployments file.
    pub chain: ChainSettings,
    /// `[bounty.relayer]`: the relayer that sends queued calls.
    pub relayer: RelayerSettings,
    /// `[bounty.scheduler]`: the resolve and refund calls queued when windows close.
    pub scheduler: SchedulerSettings,
}

impl Default for BountySettings {
    fn default() -> Self {
        Self {
            user_url: "http://127.0.0.1:8084".into(),
            analysis_url: "http://127.0.0.1:8082".into(),
            chain: ChainSettings::default(),
            relayer: RelayerSettings::default(),
            scheduler: SchedulerSettings::default(),
        }
    }
}

/// `[bounty.scheduler]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SchedulerSettings {
    /// How often due calls are looked for (`30s`).
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How long after a deadline (wall clock) a call is queued (`1m`) unless the confirmed chain
    /// clock passed the deadline first: the chain's block time may lag, and the contract refuses
    /// an early call.
    #[serde(with = "humantime_serde")]
    pub grace: Duration,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            grace: Duration::from_secs(60),
        }
    }
}

impl Validate for BountySettings {
    fn validate(&self, problems: &mut Vec<String>) {
        for (key, value) in [
            ("bounty.user_url", &self.user_url),
            ("bounty.analysis_url", &self.analysis_url),
        ] {
            if url::Url::parse(value).is_err() {
                problems.push(format!("{key} {value:?} is not a URL"));
            }
        }
        self.chain.validate_at("bounty.chain", problems);
        self.relayer.validate(problems);
        if self.scheduler.interval < Duration::from_secs(1) {
            problems.push("bounty.scheduler.interval must be at least 1s".into());
        }
        if self.scheduler.grace > Duration::from_secs(24 * 3600) {
            problems.push("bounty.scheduler.grace must be at most 24h".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_problems_name_the_nested_keys() {
        let mut problems = Vec::new();
        BountySettings::default().validate(&mut problems);
        assert_eq!(problems, Vec::<String>::new());
        let mut broken = BountySettings::default();
        broken.chain.deployment_file = std::path::PathBuf::new();
        broken.relayer.max_fee_per_gas = 0;
        broken.scheduler.interval = Duration::ZERO;
        broken.user_url = "not a url".into();
        broken.validate(&mut problems);
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with("bounty.chain.deployment_file"))
        );
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with("bounty.relayer.max_fee_per_gas"))
        );
        assert!(
            problems
                .iter()
                .any(|problem| problem.starts_with("bounty.user_url"))
        );
    }
}
