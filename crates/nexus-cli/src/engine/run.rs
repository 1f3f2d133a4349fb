//! `nexus engine run`: the loop. Each round (every `platform.poll_interval`, or at once when the
//! live feed announces a bounty) it moves every bounty it answered one step along (reveal,
//! resolve, claim), then answers new open bounties its policy wants, up to `max_concurrent`.
//! REST is the source of truth; the feed only makes the engine react sooner (pub/sub may drop).
//! SIGINT/SIGTERM stop it between steps; SIGKILL at any point loses nothing the state file
//! holds.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use nexus_engine::{EngineConfig as AnalyserConfig, RuleSet};
use nexus_proto::bounty::{BountyPage, BountyView};
use serde_json::json;
use tokio::sync::mpsc;

use super::api::Gateway;
use super::config::{EngineConfig, wei};
use super::feed;
use super::keystore;
use super::state::{EngineState, StateFile};

/// Failures of one bounty's answer before it is given up (a sample that cannot be downloaded).
const MAX_ATTEMPTS: u32 = 3;

/// A running engine.
pub struct Engine {
    /// The validated config.
    pub config: EngineConfig,
    /// The gateway, as the API key's account.
    pub gateway: Gateway,
    /// The wallet's key (in memory only).
    pub signer: PrivateKeySigner,
    /// Its address.
    pub wallet: Address,
    /// What the engine committed to.
    pub state: EngineState,
    state_file: StateFile,
    /// The static analyser.
    pub analyser: Arc<nexus_engine::Engine>,
    qualified: bool,
    stake_requested: bool,
    attempts: HashMap<uuid::Uuid, u32>,
}

/// Writes one line to stderr with the time (the engine's log).
pub fn log(message: impl std::fmt::Display) {
    eprintln!(
        "{} nexus engine: {message}",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
    );
}

/// Runs the engine of `config_path` until SIGINT or SIGTERM.
pub async fn run(config_path: &Path) -> anyhow::Result<()> {
    let config = EngineConfig::load(config_path)?;
    let api_key = std::env::var(&config.platform.api_key_env).map_err(|_| {
        anyhow::anyhow!(
            "set {} to the account's API key (nxs_...)",
            config.platform.api_key_env
        )
    })?;
    let password = keystore::password(&config.wallet.password_env, false)?;
    let signer = keystore::unlock(&config.wallet.keystore, &password)?;
    drop(password);
    let wallet = signer.address();
    let state_file = StateFile::new(config.state.file.clone());
    let state = state_file.load(&wallet.to_string())?;
    let rules = match &config.analysis.rules_dir {
        Some(dir) => RuleSet::from_dir(dir, true)
            .with_context(|| format!("cannot compile the rules in {}", dir.display()))?,
        None => RuleSet::builtin().context("cannot compile the built-in rules")?,
    };
    let analyser = nexus_engine::Engine::new(
        AnalyserConfig {
            max_file_size: config.policy.max_file_size,
            ..AnalyserConfig::default()
        },
        rules,
    );
    let gateway = Gateway::new(
        &config.platform.gateway_url,
        api_key,
        config.platform.request_timeout,
    )?;
    log(format_args!(
        "wallet {wallet}, {} bounties pending in {}",
        state.active(),
        state_file.path().display()
    ));
    let (nudge, mut nudged) = mpsc::channel(1);
    if let Some(key_file) = &config.platform.ws_key_file {
        let key = feed::load_key(key_file)?;
        tokio::spawn(feed::run(gateway.base().to_owned(), key, nudge));
    }
    let mut engine = Engine {
        config,
        gateway,
        signer,
        wallet,
        state,
        state_file,
        analyser: Arc::new(analyser),
        qualified: false,
        stake_requested: false,
        attempts: HashMap::new(),
    };
    let mut terminate = signal_terminate()?;
    loop {
        if let Err(error) = engine.round().await {
            log(format_args!("round failed, retrying: {error:#}"));
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
            _ = nudged.recv() => {}
            () = tokio::time::sleep(engine.config.platform.poll_interval) => {}
        }
    }
    log("stopped; pending work is in the state file");
    Ok(())
}

#[cfg(unix)]
fn signal_terminate() -> anyhow::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")
}

impl Engine {
    /// The wallet as `0x` + 40 hex digits (checksummed).
    pub fn wallet_hex(&self) -> String {
        self.wallet.to_string()
    }

    /// Writes the state file.
    pub fn save(&self) -> anyhow::Result<()> {
        self.state_file.save(&self.state)
    }

    /// One round: pending bounties a step further, then new ones.
    pub async fn round(&mut self) -> anyhow::Result<()> {
        let pending: Vec<uuid::Uuid> = self
            .state
            .bounties
            .iter()
            .filter(|(_, entry)| entry.phase.active())
            .map(|(id, _)| *id)
            .collect();
        for id in pending {
            match self.gateway.get(&format!("/v1/bounties/{id}")).await? {
                Ok(body) => {
                    let view: BountyView = serde_json::from_value(body)?;
                    if let Some(change) = self.advance(id, &view).await? {
                        log(format_args!("bounty {id}: {change}"));
                    }
                }
                Err(refusal) if refusal.status == 404 => {
                    log(format_args!("bounty {id} is gone: {refusal}"));
                }
                Err(refusal) => log(format_args!("bounty {id}: {refusal}")),
            }
        }
        if !self.qualified {
            self.qualified = self.ensure_qualified().await?;
            if !self.qualified {
                return Ok(());
            }
        }
        let max = self.config.policy.max_concurrent;
        if self.state.active() >= max {
            return Ok(());
        }
        let page: BountyPage = self
            .gateway
            .get_as("/v1/bounties?status=open&limit=50")
            .await?;
        for view in page.bounties {
            if self.state.active() >= max {
                break;
            }
            if self.state.bounties.contains_key(&view.id) {
                continue;
            }
            match self.answer(&view).await {
                Ok(note) => log(format_args!("bounty {}: {note}", view.id)),
                Err(error) => {
                    let attempts = self.attempts.entry(view.id).or_insert(0);
                    *attempts += 1;
                    log(format_args!(
                        "bounty {}: attempt {attempts} failed: {error:#}",
                        view.id
                    ));
                    if *attempts >= MAX_ATTEMPTS {
                        self.state.bounties.insert(
                            view.id,
                            super::state::Entry::skipped(format!("gave up: {error:#}")),
                        );
                        self.save()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Makes sure the wallet holds the qualifying stake the contract asks of analysts (locking
    /// it by a signed `Stake` intent when not); `false` while a stake is on its way.
    async fn ensure_qualified(&mut self) -> anyhow::Result<bool> {
        let wanted = wei(
            "policy.qualifying_stake",
            &self.config.policy.qualifying_stake,
        )?;
        if wanted == 0 {
            return Ok(true);
        }
        let staked = match self.config.chain.rpc_url.clone() {
            Some(rpc_url) => self.staked_on_chain(&rpc_url, wanted).await?,
            // Without a chain to read, the stake is asked for once, as the state file records.
            None if self.state.qualifying_stake_sent => return Ok(true),
            None => 0,
        };
        if staked >= wanted {
            return Ok(true);
        }
        if self.stake_requested {
            return Ok(false);
        }
        let amount = wanted - staked;
        let typed = self.stake_intent(amount).await?;
        let body = json!({
            "amount": amount.to_string(),
            "intent": self.signed_intent(&typed["typed_data"])?,
        });
        match self.gateway.post("/v1/bounties/stakes", &body).await? {
            Ok(_) => {
                log(format_args!("staking {amount} wei to qualify"));
                self.stake_requested = true;
                self.state.qualifying_stake_sent = true;
                self.save()?;
                Ok(self.config.chain.rpc_url.is_none())
            }
            Err(refusal) => anyhow::bail!("the qualifying stake was refused: {refusal}"),
        }
    }

    async fn stake_intent(&self, amount: u128) -> anyhow::Result<serde_json::Value> {
        let query = format!(
            "/v1/bounties/intents/stake?signer={}&amount={amount}",
            self.wallet_hex()
        );
        self.gateway.get_as(&query).await
    }

    /// `stakedOf(wallet)` on the NXS token (its address from the stake intent's domain).
    async fn staked_on_chain(&self, rpc_url: &str, wanted: u128) -> anyhow::Result<u128> {
        let typed = self.stake_intent(wanted).await?;
        let token: Address = typed["typed_data"]["domain"]["verifyingContract"]
            .as_str()
            .context("the stake intent names no token contract")?
            .parse()
            .context("the stake intent's token address")?;
        let provider = nexus_chain::connect(rpc_url, None)?;
        let token = nexus_chain::bindings::token::ReputationToken::new(token, provider);
        let staked: U256 = token
            .stakedOf(self.wallet)
            .call()
            .await
            .context("cannot read the qualifying stake from the chain")?;
        Ok(u128::try_from(staked).unwrap_or(u128::MAX))
    }
}
