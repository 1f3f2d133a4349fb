//! `ChainSettings`: how a chain-facing service reaches the chain and finds the contracts.
//!
//! One type for every service that talks to the chain (nexus-bounty, nexus-chain-listener), so
//! the RPC URL, the deployments file and the expected chain id are spelt, defaulted and checked
//! the same way everywhere. A service mounts it as the `chain` table of its own section
//! (`[bounty.chain]`, `NEXUS_BOUNTY__CHAIN__RPC_URL`): the runtime hands a service only its own
//! section, and nothing in a service that never touches the chain should have to know the
//! chain's settings. `scripts/dev.sh` sets the same values for every chain-facing service.

use std::path::PathBuf;
use std::time::Duration;

use alloy::transports::http::reqwest::Url;
use nexus_config::Validate;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The default RPC endpoint: anvil on its standard port, as `scripts/dev.sh` starts it.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

/// The default deployments file: where `nexus-chain deploy` writes it by default.
pub const DEFAULT_DEPLOYMENT_FILE: &str = ".nexus/deployments.json";

/// The longest `request_timeout` accepted: a probe or call waiting longer than this is a hung
/// node, and a service should say so rather than hold a request.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// The largest `confirmations` accepted. Mainnet finality is two epochs (64 blocks); ten times
/// that still catches a units mistake (seconds typed as blocks) without refusing a cautious
/// operator.
pub const MAX_CONFIRMATIONS: u64 = 640;

/// `[<service>.chain]`: the chain a service reads and writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ChainSettings {
    /// JSON-RPC endpoint over HTTP(S). Secret: hosted nodes carry an API key in the URL, so it
    /// is never logged and never echoed in an error.
    pub rpc_url: SecretString,
    /// The deployments file written by `nexus-chain deploy` (chain id, deployment block and the
    /// contracts' addresses). Relative paths are resolved from the working directory.
    pub deployment_file: PathBuf,
    /// The chain id the service must find both at the RPC and in the deployments file. Unset:
    /// the deployments file's chain id is expected at the RPC (enough locally; set it in
    /// production so a file copied from another network is refused).
    pub chain_id: Option<u64>,
    /// Longest wait for one RPC request (including the `/ready` probe) before it counts as
    /// failed.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Blocks that must be built on top of a block before its logs and receipts count as final.
    /// 12 by default; 0–2 on anvil, which never reorganises on its own.
    pub confirmations: u64,
}

impl Default for ChainSettings {
    fn default() -> Self {
        Self {
            rpc_url: SecretString::from(DEFAULT_RPC_URL),
            deployment_file: PathBuf::from(DEFAULT_DEPLOYMENT_FILE),
            chain_id: None,
            request_timeout: Duration::from_secs(10),
            confirmations: 12,
        }
    }
}

impl ChainSettings {
    /// Settings for a node at `rpc_url` and a deployments file at `deployment_file`, the rest
    /// defaulted (tests and tools).
    pub fn new(rpc_url: &str, deployment_file: impl Into<PathBuf>) -> Self {
        Self {
            rpc_url: SecretString::from(rpc_url.to_owned()),
            deployment_file: deployment_file.into(),
            ..Self::default()
        }
    }

    /// The RPC URL, for connecting. Do not log it.
    pub fn expose_rpc_url(&self) -> &str {
        self.rpc_url.expose_secret()
    }

    /// Appends one sentence per problem, naming each key below `prefix` (the table the service
    /// mounts these settings at, e.g. `bounty.chain`).
    pub fn validate_at(&self, prefix: &str, problems: &mut Vec<String>) {
        match Url::parse(self.rpc_url.expose_secret()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            // The URL itself stays out of the message: it may carry an API key.
            Ok(url) => problems.push(format!(
                "{prefix}.rpc_url must be an http(s) URL with a host; found scheme {}",
                url.scheme()
            )),
            Err(error) => problems.push(format!("{prefix}.rpc_url is not a URL: {error}")),
        }
        if self.deployment_file.as_os_str().is_empty() {
            problems.push(format!("{prefix}.deployment_file must not be empty"));
        }
        if self.chain_id == Some(0) {
            problems.push(format!(
                "{prefix}.chain_id must be a chain id (1 or more) or unset"
            ));
        }
        if self.request_timeout.is_zero() || self.request_timeout > MAX_REQUEST_TIMEOUT {
            problems.push(format!(
                "{prefix}.request_timeout must be between 1ms and {}s",
                MAX_REQUEST_TIMEOUT.as_secs()
            ));
        }
        if self.confirmations > MAX_CONFIRMATIONS {
            problems.push(format!(
                "{prefix}.confirmations must be at most {MAX_CONFIRMATIONS} blocks"
            ));
        }
    }
}

impl Validate for ChainSettings {
    /// Names the keys as `chain.<key>`; a service that mounts the table elsewhere calls
    /// [`ChainSettings::validate_at`] with its own prefix.
    fn validate(&self, problems: &mut Vec<String>) {
        self.validate_at("chain", problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(settings: &ChainSettings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate_at("bounty.chain", &mut problems);
        problems
    }

    #[test]
    fn the_defaults_point_at_local_anvil_and_are_valid() {
        let settings = ChainSettings::default();
        assert_eq!(settings.expose_rpc_url(), "http://127.0.0.1:8545");
        assert_eq!(
            settings.deployment_file,
            PathBuf::from(".nexus/deployments.json")
        );
        assert_eq!(settings.confirmations, 12);
        assert!(problems_of(&settings).is_empty());
    }

    #[test]
    fn every_bad_value_is_reported_at_once_under_the_mount_point() {
        let settings = ChainSettings {
            rpc_url: SecretString::from("ws://key-1234@node.example"),
            deployment_file: PathBuf::new(),
            chain_id: Some(0),
            request_timeout: Duration::ZERO,
            confirmations: MAX_CONFIRMATIONS + 1,
        };
        let problems = problems_of(&settings);
        assert_eq!(problems.len(), 5, "{problems:?}");
        for key in [
            "rpc_url",
            "deployment_file",
            "chain_id",
            "request_timeout",
            "confirmations",
        ] {
            assert!(
                problems
                    .iter()
                    .any(|problem| problem.starts_with(&format!("bounty.chain.{key} "))),
                "{key} missing from {problems:?}"
            );
        }
        assert!(
            problems.iter().all(|problem| !problem.contains("key-1234")),
            "the URL leaked into {problems:?}"
        );
    }

    #[test]
    fn a_url_that_does_not_parse_is_refused_without_echoing_it() {
        let settings = ChainSettings::new("http//secret-token", "deployments.json");
        let problems = problems_of(&settings);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(!problems[0].contains("secret-token"), "{problems:?}");
    }

    #[test]
    fn debug_output_hides_the_rpc_url() {
        let settings = ChainSettings::new("https://node.example/v3/key-1234", "d.json");
        assert!(!format!("{settings:?}").contains("key-1234"));
    }

    #[test]
    fn the_table_deserializes_with_durations_and_defaults() {
        let settings: ChainSettings = serde_json::from_value(serde_json::json!({
            "rpc_url": "https://node.example",
            "chain_id": 11155111,
            "request_timeout": "2s",
        }))
        .unwrap_or_else(|error| panic!("deserializes: {error}"));
        assert_eq!(settings.chain_id, Some(11_155_111));
        assert_eq!(settings.request_timeout, Duration::from_secs(2));
        assert_eq!(settings.confirmations, 12);
        let mut problems = Vec::new();
        Validate::validate(&settings, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
