//! A real chain for tests (cargo feature `chain`): anvil with the Nexus contracts deployed.
//!
//! ```text
//! let chain = TestChain::shared().await?;         // this process's anvil, contracts deployed
//! let alice = chain.funded_account(500 * NXS).await?;   // fresh key: 100 ETH, 500 NXS
//! let token = ReputationToken::new(chain.deployment().reputation_token, alice.provider(&chain)?);
//! chain.advance(Duration::from_secs(86_400)).await?;   // evm_increaseTime + evm_mine
//! let settings = chain.settings();                 // ChainSettings for a service under test
//! ```
//!
//! - [`TestChain::shared`]: one anvil per test process, started on first use on a free
//!   loopback port, from a state in which the contracts are already deployed and wired
//!   ([`state`]: deployed once per build, then loaded with `--load-state`, so a process pays for
//!   an anvil start and not for a deployment). nextest runs each test in its own process, so
//!   there the shared chain is the test's own; under `cargo test` the tests of a binary share
//!   it, and stay apart by using their own accounts ([`TestChain::account`],
//!   [`TestChain::funded_account`]: fresh keys, never the dev accounts' nonces).
//! - [`TestChain::private`]: an anvil of the test's own, from the same deployed state, that it
//!   may stop and restart ([`TestChain::stop`], [`TestChain::restart`]: the state survives) and
//!   rewind ([`TestChain::snapshot`]/[`TestChain::revert`]) or move in time
//!   ([`TestChain::advance`], [`TestChain::mine`]) without disturbing any other test.
//! - [`anvil::AnvilNode`]: a bare anvil with nothing deployed (tests of the deployment itself).
//!
//! Layout: this file builds the handles and says where things are; `accounts` funds fresh keys;
//! `timeline` moves the chain in time and back; [`anvil`] runs the process; [`state`] makes and
//! finds the deployed state.
//!
//! Every anvil runs behind a watchdog that stops it when its test process ends, whichever way
//! it ends ([`anvil`]). A missing anvil binary fails the test with the command that installs it;
//! chain tests are never skipped. `TEST_NEXUS_ANVIL` names another anvil binary.
//!
//! Snapshots, reverts and time moves act on the whole node: on the shared chain under
//! `cargo test` they reach the other tests of the process too, so a test that uses them either
//! runs under nextest (the project's runner) or takes a [`TestChain::private`] chain.

mod accounts;
pub mod anvil;
pub mod state;
mod timeline;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider};
use alloy::signers::local::PrivateKeySigner;
use nexus_chain::bindings::bounty::BountyContract::BountyContractInstance;
use nexus_chain::bindings::token::ReputationToken::{self, ReputationTokenInstance};
use nexus_chain::deploy::Deployment;
use nexus_chain::settings::ChainSettings;
use serde::de::DeserializeOwned;
use tokio::sync::{Mutex, OnceCell};

pub use self::accounts::{ACCOUNT_ETH, TestAccount};
use self::anvil::AnvilNode;
use self::state::{ARBITER_INDEX, DEPLOYER_INDEX, DeployedState, TREASURY, deployed_state};
pub use self::timeline::Snapshot;
use crate::TestError;

pub use nexus_chain::deploy::NXS;

/// The process's shared anvil, started on first use and stopped by its watchdog at exit.
static SHARED: OnceCell<Node> = OnceCell::const_new();

/// What a [`TestChain`] handle knows about its node.
#[derive(Debug)]
struct Node {
    /// `http://127.0.0.1:<port>`.
    url: String,
    deployed: DeployedState,
    dev_accounts: Vec<Address>,
    /// Held while the deployer sends (funding accounts): the deployer is one account, and
    /// concurrent tests of one process would otherwise pick the same nonce.
    deployer_sends: Arc<Mutex<()>>,
    /// The anvil process, for the shared node (never dropped: the watchdog stops it).
    _anvil: Option<AnvilNode>,
}

/// A private node's process and the directory its state is kept in across restarts.
#[derive(Debug)]
struct PrivateNode {
    anvil: AnvilNode,
    directory: PathBuf,
}

impl Drop for PrivateNode {
    fn drop(&mut self) {
        self.anvil.stop();
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// A handle on a chain with the Nexus contracts deployed; see the module docs.
#[derive(Debug)]
pub struct TestChain {
    url: String,
    deployed: DeployedState,
    dev_accounts: Vec<Address>,
    deployer_sends: Arc<Mutex<()>>,
    provider: DynProvider,
    private: Option<PrivateNode>,
}

impl TestChain {
    /// This process's chain (started on first use; see the module docs).
    pub async fn shared() -> Result<Self, TestError> {
        let node = SHARED.get_or_try_init(start_shared).await?;
        Self::from_parts(
            node.url.clone(),
            node.deployed.clone(),
            node.dev_accounts.clone(),
            node.deployer_sends.clone(),
            None,
        )
    }

    /// A chain of the test's own, from the deployed state; stopped when the handle is dropped.
    pub async fn private() -> Result<Self, TestError> {
        Self::private_with(&[]).await
    }

    /// [`TestChain::private`] with extra anvil arguments (e.g. `["--prune-history", "256"]`,
    /// `["--block-time", "1"]`).
    pub async fn private_with(arguments: &[&str]) -> Result<Self, TestError> {
        let deployed = deployed_state().await?;
        let directory = std::env::temp_dir().join(format!(
            "nexus-testkit-anvil-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&directory)?;
        // `--state` loads the file when it exists and writes it on exit: a copy of the deployed
        // state to start from, then whatever the test did, across restarts.
        let state_file = directory.join("state.json");
        std::fs::copy(&deployed.state_file, &state_file)?;
        let state_argument = state_file.to_string_lossy().into_owned();
        let mut all_arguments = vec!["--state", state_argument.as_str()];
        all_arguments.extend_from_slice(arguments);
        let anvil = match AnvilNode::start(&all_arguments).await {
            Ok(anvil) => anvil,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&directory);
                return Err(error);
            }
        };
        let url = anvil.url.clone();
        let private = PrivateNode { anvil, directory };
        let dev_accounts = settle_loaded_node(&url).await?;
        Self::from_parts(
            url,
            deployed,
            dev_accounts,
            Arc::new(Mutex::new(())),
            Some(private),
        )
    }

    fn from_parts(
        url: String,
        deployed: DeployedState,
        dev_accounts: Vec<Address>,
        deployer_sends: Arc<Mutex<()>>,
        private: Option<PrivateNode>,
    ) -> Result<Self, TestError> {
        let provider = nexus_chain::connect(&url, None)?;
        Ok(Self {
            url,
            deployed,
            dev_accounts,
            deployer_sends,
            provider,
            private,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the contracts are.
    pub fn deployment(&self) -> &Deployment {
        &self.deployed.deployment
    }

    /// The deployments file (as `nexus-chain deploy` writes it), for services under test.
    pub fn deployment_file(&self) -> &Path {
        &self.deployed.deployment_file
    }

    /// The chain id (anvil's 31337).
    pub fn chain_id(&self) -> u64 {
        self.deployed.deployment.chain_id
    }

    /// Settings for a service under test on this chain: its URL, deployments file and chain
    /// id, no confirmations to wait for (anvil never reorganises on its own) and a short
    /// request timeout.
    pub fn settings(&self) -> ChainSettings {
        let mut settings = ChainSettings::new(&self.url, self.deployment_file());
        settings.chain_id = Some(self.chain_id());
        settings.confirmations = 0;
        settings.request_timeout = Duration::from_secs(5);
        settings
    }

    /// A provider that signs nothing: calls, raw RPC, and transactions from anvil's unlocked
    /// dev accounts.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// A new provider that signs nothing, with nonce caches of its own. A provider caches each
    /// sender's next nonce after its first transaction; after [`TestChain::revert`] rewinds
    /// the chain, send through a new provider (this, or [`TestChain::provider_for`] again).
    pub fn new_provider(&self) -> Result<DynProvider, TestError> {
        Ok(nexus_chain::connect(&self.url, None)?)
    }

    /// A provider that signs with `signer` (its nonce cache is its own; see
    /// [`TestChain::new_provider`]).
    pub fn provider_for(&self, signer: &PrivateKeySigner) -> Result<DynProvider, TestError> {
        Ok(nexus_chain::connect(&self.url, Some(signer.clone()))?)
    }

    /// anvil's ten dev accounts (unlocked, 10,000 ETH each). Index 0 deployed the contracts.
    pub fn dev_accounts(&self) -> &[Address] {
        &self.dev_accounts
    }

    /// The deployer: admin of the token and the bounty contract, minter, guardian.
    pub fn deployer(&self) -> Address {
        self.deployed.deployment.deployer
    }

    /// The one arbiter of the test deployment (dev account 9, unlocked).
    pub fn arbiter(&self) -> Address {
        self.dev_accounts
            .get(ARBITER_INDEX)
            .copied()
            .unwrap_or_default()
    }

    /// The treasury: receives fees, dust, forfeited stakes and slashes; nobody holds its key.
    pub fn treasury(&self) -> Address {
        TREASURY
    }

    /// The NXS token, on the unsigned provider.
    pub fn token(&self) -> ReputationTokenInstance<DynProvider> {
        ReputationToken::new(self.deployment().reputation_token, self.provider.clone())
    }

    /// The bounty contract, on the unsigned provider.
    pub fn bounty(&self) -> BountyContractInstance<DynProvider> {
        nexus_chain::bindings::bounty::BountyContract::new(
            self.deployment().bounty,
            self.provider.clone(),
        )
    }

    /// Stops a private chain's node as an operator would; its state is kept for
    /// [`TestChain::restart`]. Meanwhile every call to it fails as with a node that is down.
    pub fn stop(&mut self) -> Result<(), TestError> {
        self.private_node()?.anvil.stop();
        Ok(())
    }

    /// Starts a private chain's node again on the same URL, where it stopped.
    pub async fn restart(&mut self) -> Result<(), TestError> {
        self.private_node()?.anvil.restart().await
    }

    fn private_node(&mut self) -> Result<&mut PrivateNode, TestError> {
        self.private.as_mut().ok_or_else(|| {
            "only a TestChain::private() chain can be stopped or restarted; the shared one \
             belongs to every test of the process"
                .into()
        })
    }

    /// One raw JSON-RPC call (anvil's own methods have no typed wrapper).
    pub async fn rpc<R>(
        &self,
        method: &'static str,
        params: serde_json::Value,
    ) -> Result<R, TestError>
    where
        R: DeserializeOwned + std::fmt::Debug + Send + Sync + Unpin + 'static,
    {
        Ok(self.provider.raw_request(method.into(), params).await?)
    }
}

/// Starts the shared node from the deployed state.
async fn start_shared() -> Result<Node, TestError> {
    let deployed = deployed_state().await?;
    let state_argument = deployed.state_file.to_string_lossy().into_owned();
    let anvil = AnvilNode::start(&["--load-state", &state_argument]).await?;
    let dev_accounts = settle_loaded_node(&anvil.url).await?;
    if dev_accounts.get(DEPLOYER_INDEX) != Some(&deployed.deployment.deployer) {
        return Err("anvil's first dev account is not the deployer of the cached state".into());
    }
    Ok(Node {
        url: anvil.url.clone(),
        deployed,
        dev_accounts,
        deployer_sends: Arc::new(Mutex::new(())),
        _anvil: Some(anvil),
    })
}

/// Mines one block on a node just loaded from the deployed state, and returns its dev accounts.
///
/// The loaded chain's latest block is as old as the state file, while anvil stamps new blocks
/// with the wall clock: without this block, [`TestChain::now`] would lag the time the next
/// transaction sees by the state's age, and deadlines computed from it would be off by as much.
async fn settle_loaded_node(url: &str) -> Result<Vec<Address>, TestError> {
    let provider = nexus_chain::connect(url, None)?;
    let _: serde_json::Value = provider
        .raw_request("evm_mine".into(), serde_json::json!([]))
        .await?;
    Ok(provider.get_accounts().await?)
}
