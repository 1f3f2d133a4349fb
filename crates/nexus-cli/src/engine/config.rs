//! `engine.toml`: where the platform is, which wallet signs, which bounties to answer and how to
//! turn a report into a verdict. Parsed strictly (an unknown key is an error naming it) and
//! validated as a whole before anything connects, so a typo fails at start, not at the first
//! bounty. Secrets are never in this file: the API key and the keystore password come from the
//! environment variables it names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::decide::DecisionRule;

/// The whole file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// The gateway and the credentials.
    pub platform: PlatformConfig,
    /// The wallet.
    pub wallet: WalletConfig,
    /// Optional read-only chain access (the qualifying stake).
    #[serde(default)]
    pub chain: ChainConfig,
    /// Which bounties to answer.
    #[serde(default)]
    pub policy: Policy,
    /// Report → verdict and confidence.
    #[serde(default)]
    pub decision: DecisionRule,
    /// Analysis knobs.
    #[serde(default)]
    pub analysis: AnalysisConfig,
    /// The state file.
    #[serde(default)]
    pub state: StateConfig,
}

/// `[platform]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// The gateway's base URL (`http://127.0.0.1:8080`); REST is under `/api/v1`, the feed at `/ws`.
    pub gateway_url: String,
    /// Name of the environment variable holding the API key (`nxs_...`).
    #[serde(default = "default_api_key_env")]
    pub api_key_env: String,
    /// Optional Ed25519 WebSocket key (hex seed file, created by `nexus engine init`): with it the
    /// engine signs in to the live feed, hears of new bounties at once and reports presence.
    #[serde(default)]
    pub ws_key_file: Option<PathBuf>,
    /// How often open bounties are re-read over REST (the feed may drop events).
    #[serde(default = "default_poll", with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Time limit of one HTTP request.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub request_timeout: Duration,
}

/// `[wallet]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletConfig {
    /// The encrypted JSON keystore (v3, scrypt).
    pub keystore: PathBuf,
    /// Name of the environment variable holding its password; without it, a prompt on a TTY.
    #[serde(default = "default_password_env")]
    pub password_env: String,
}

/// `[chain]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// A JSON-RPC URL, used read-only to check the wallet's qualifying stake.
    pub rpc_url: Option<String>,
}

/// `[policy]` (keys left out keep their defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Artifact kinds answered (`file`, `url`, `contract`); only `file` is analysed today.
    pub artifact_kinds: Vec<String>,
    /// File types answered, as the engine names them (`pe`, `elf`, `macho`, `pdf`, `zip`,
    /// `ooxml`, `ole2`, `script`, `text`, `unknown`); empty answers every type.
    pub file_types: Vec<String>,
    /// Smallest reward answered, in wei (decimal string).
    pub min_reward: String,
    /// Bounties answered at once (committed, not yet settled).
    pub max_concurrent: usize,
    /// Stake per assertion, in wei; raised to a bounty's minimum stake when that is higher,
    /// unless above `max_stake`.
    pub stake: String,
    /// Largest stake per assertion, in wei.
    pub max_stake: String,
    /// Qualifying stake the wallet keeps locked (the contract's `minAnalystStake`), in wei;
    /// `0` never stakes.
    pub qualifying_stake: String,
    /// Largest sample downloaded, in bytes.
    pub max_file_size: u64,
}

/// `[analysis]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// Extra YARA rules (`.yar`/`.yara`, compiled `.yarc`), beside the built-in ones.
    pub rules_dir: Option<PathBuf>,
}

/// `[state]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// The state file (pending commitments with their salts).
    pub file: PathBuf,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            artifact_kinds: vec!["file".to_owned()],
            file_types: Vec::new(),
            min_reward: "0".to_owned(),
            max_concurrent: 4,
            stake: "1000000000000000000".to_owned(),
            max_stake: "10000000000000000000".to_owned(),
            qualifying_stake: "0".to_owned(),
            max_file_size: 64 * 1024 * 1024,
        }
    }
}

impl Default for StateConfig {
    fn default() -> Self {
        Self {
            file: PathBuf::from("engine-state.json"),
        }
    }
}

fn default_api_key_env() -> String {
    "NEXUS_ENGINE_API_KEY".to_owned()
}

fn default_password_env() -> String {
    "NEXUS_ENGINE_KEYSTORE_PASSWORD".to_owned()
}

fn default_poll() -> Duration {
    Duration::from_secs(5)
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

/// Artifact kinds the platform knows.
const ARTIFACT_KINDS: [&str; 3] = ["file", "url", "contract"];
/// File type names of the engine's report.
pub const FILE_TYPES: [&str; 10] = [
    "pe", "elf", "macho", "pdf", "zip", "ooxml", "ole2", "script", "text", "unknown",
];

/// Parses a wei amount (decimal digits, below 2^128).
pub fn wei(field: &str, text: &str) -> anyhow::Result<u128> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        bail!("{field} must be a whole number of wei in decimal digits, not {text:?}");
    }
    text.parse::<u128>()
        .with_context(|| format!("{field} is too large ({text}); amounts are below 2^128 wei"))
}

impl EngineConfig {
    /// Reads and validates `path`; relative paths inside are resolved against its directory.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the engine config {}", path.display()))?;
        let mut config = Self::parse(&text)
            .with_context(|| format!("invalid engine config {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        Ok(config)
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        resolve(&mut self.wallet.keystore);
        resolve(&mut self.state.file);
        if let Some(file) = self.platform.ws_key_file.as_mut() {
            resolve(file);
        }
        if let Some(dir) = self.analysis.rules_dir.as_mut() {
            resolve(dir);
        }
    }

    /// Every rule the types cannot express, each error naming its key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let url = &self.platform.gateway_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("platform.gateway_url must start with http:// or https://, not {url:?}");
        }
        for (key, name) in [
            ("platform.api_key_env", &self.platform.api_key_env),
            ("wallet.password_env", &self.wallet.password_env),
        ] {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                bail!("{key} must name an environment variable ([A-Za-z0-9_]+), not {name:?}");
            }
        }
        if self.platform.poll_interval < Duration::from_millis(100) {
            bail!("platform.poll_interval must be at least 100ms");
        }
        if self.platform.request_timeout.is_zero() {
            bail!("platform.request_timeout must be above zero");
        }
        let policy = &self.policy;
        if policy.artifact_kinds.is_empty() {
            bail!("policy.artifact_kinds is empty: the engine would answer nothing");
        }
        for kind in &policy.artifact_kinds {
            if !ARTIFACT_KINDS.contains(&kind.as_str()) {
                bail!("policy.artifact_kinds: unknown kind {kind:?} (one of {ARTIFACT_KINDS:?})");
            }
        }
        for file_type in &policy.file_types {
            if !FILE_TYPES.contains(&file_type.as_str()) {
                bail!("policy.file_types: unknown type {file_type:?} (one of {FILE_TYPES:?})");
            }
        }
        wei("policy.min_reward", &policy.min_reward)?;
        let stake = wei("policy.stake", &policy.stake)?;
        let max_stake = wei("policy.max_stake", &policy.max_stake)?;
        wei("policy.qualifying_stake", &policy.qualifying_stake)?;
        if stake == 0 {
            bail!("policy.stake must be above zero (the contract refuses an empty stake)");
        }
        if max_stake < stake {
            bail!("policy.max_stake ({max_stake}) is below policy.stake ({stake})");
        }
        if !(1..=64).contains(&policy.max_concurrent) {
            bail!("policy.max_concurrent must be between 1 and 64");
        }
        if policy.max_file_size == 0 {
            bail!("policy.max_file_size must be above zero");
        }
        self.decision.validate()?;
        Ok(())
    }
}

/// The commented file `nexus engine init` writes.
pub fn template(gateway_url: &str, keystore: &str, state: &str, ws_key: &str) -> String {
    format!(
        r#"# nexus engine configuration (docs/ENGINE_CLI.md explains every key).
# Secrets are never written here: the API key and the keystore password are read from the
# environment variables named below.

[platform]
# The gateway (REST under /api/v1, the live feed at /ws).
gateway_url = "{gateway_url}"
# Environment variable holding the API key (create one in the dashboard: Settings > API keys,
# scopes bounty:list bounty:read bounty:assert bounty:stake bounty:resolve file:download).
api_key_env = "NEXUS_ENGINE_API_KEY"
# Ed25519 key for the live feed and presence; register its public key (printed by init) under
# Settings > WebSocket keys. Remove the line to poll only.
ws_key_file = "{ws_key}"
# How often open bounties are re-read over REST; the feed only makes the engine react sooner.
poll_interval = "5s"
request_timeout = "30s"

[wallet]
# Encrypted Ethereum keystore (v3, scrypt). Link its address to your account first
# (Settings > Wallets). The key never leaves this machine: intents are signed locally.
keystore = "{keystore}"
password_env = "NEXUS_ENGINE_KEYSTORE_PASSWORD"

[chain]
# Optional JSON-RPC URL, read-only: with it the engine checks its qualifying stake on chain.
# rpc_url = "http://127.0.0.1:8545"

[policy]
artifact_kinds = ["file"]
# Empty: every type. Names: pe elf macho pdf zip ooxml ole2 script text unknown
file_types = []
# Amounts in wei (1 NXS = 1000000000000000000).
min_reward = "0"
max_concurrent = 4
stake = "1000000000000000000"
max_stake = "10000000000000000000"
# Locked once so the contract accepts assertions; "0" never stakes.
qualifying_stake = "0"
max_file_size = 67108864

[decision]
# score >= malicious_from: malicious; score <= benign_up_to with a clean report: benign;
# otherwise no assertion. Confidence: see docs/ENGINE_CLI.md.
malicious_from = 70
benign_up_to = 10
min_confidence = 60
max_confidence = 95
# Assert benign on files the engine cannot examine in depth (hint `unknown`)?
benign_when_unknown = false

[analysis]
# Extra YARA rules beside the built-in ones.
# rules_dir = "rules"

[state]
# Pending commitments with their salts: keep it; losing it before a reveal loses the stake.
file = "{state}"
"#
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn minimal(extra: &str) -> String {
        format!(
            "[platform]\ngateway_url = \"http://127.0.0.1:8080\"\n[wallet]\nkeystore = \"k.json\"\n{extra}"
        )
    }

    fn refused(text: &str) -> String {
        format!("{:#}", EngineConfig::parse(text).unwrap_err())
    }

    #[test]
    fn the_template_parses_and_gets_the_defaults() {
        let config = EngineConfig::parse(&template(
            "http://gw:8080",
            "keystore.json",
            "state.json",
            "ws.key",
        ))
        .unwrap();
        assert_eq!(config.policy, Policy::default());
        assert_eq!(config.decision, DecisionRule::default());
        assert_eq!(config.platform.poll_interval, Duration::from_secs(5));
        let minimal = EngineConfig::parse(&minimal("")).unwrap();
        assert_eq!(minimal.platform.api_key_env, "NEXUS_ENGINE_API_KEY");
        assert_eq!(minimal.platform.ws_key_file, None);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_naming_the_key() {
        assert!(refused(&minimal("[policy]\nmin_rewards = \"1\"\n")).contains("min_rewards"));
        assert!(
            refused(&minimal("[policy]\nartifact_kinds = [\"binary\"]\n"))
                .contains("policy.artifact_kinds")
        );
        assert!(refused(&minimal("[policy]\nfile_types = [\"exe\"]\n")).contains("\"exe\""));
        assert!(refused(&minimal("[policy]\nmin_reward = \"-1\"\n")).contains("policy.min_reward"));
        assert!(refused(&minimal("[policy]\nstake = \"0\"\n")).contains("policy.stake"));
        assert!(
            refused(&minimal("[policy]\nstake = \"5\"\nmax_stake = \"4\"\n"))
                .contains("policy.max_stake")
        );
        assert!(refused(&minimal("[policy]\nmax_concurrent = 0\n")).contains("max_concurrent"));
        assert!(
            refused(&minimal(
                "[decision]\nmalicious_from = 5\nbenign_up_to = 10\n"
            ))
            .contains("decision.")
        );
        assert!(
            refused("[platform]\ngateway_url = \"ftp://x\"\n[wallet]\nkeystore = \"k\"\n")
                .contains("platform.gateway_url")
        );
        assert!(
            refused(&minimal("").replace("[platform]", "[platform]\napi_key_env = \"A B\""))
                .contains("platform.api_key_env")
        );
        assert!(refused("[wallet]\nkeystore = \"k\"\n").contains("platform"));
    }

    #[test]
    fn relative_paths_are_resolved_beside_the_config() {
        let dir =
            std::env::temp_dir().join(format!("nexus-engine-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("engine.toml");
        std::fs::write(&path, minimal("[state]\nfile = \"/abs/state.json\"\n")).unwrap();
        let config = EngineConfig::load(&path).unwrap();
        assert_eq!(config.wallet.keystore, dir.join("k.json"));
        assert_eq!(config.state.file, PathBuf::from("/abs/state.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
