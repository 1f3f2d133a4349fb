//! The deployed chain, made once and loaded by every test process after it.
//!
//! nextest runs every test in its own process, so "contracts deployed once per test binary"
//! would mean a deployment per test. Instead the first process that needs the chain deploys the
//! contracts on a scratch anvil started with `--dump-state`, stops it (anvil writes its state and
//! block environment on exit) and keeps the file beside the test binaries
//! (`target/<profile>/nexus-testkit-chain/`) together with the [`Deployment`]. Every later
//! process starts its anvil with `--load-state` from that file: the contracts are there at the
//! same addresses, and no transaction is sent.
//!
//! The file name carries a key over everything the state depends on: the contracts' bytecode
//! (from nexus-chain's committed artifacts), the deploy configuration below, the anvil binary
//! (path, size and modification time) and [`FORMAT`]. A change to any of them makes a new key, so
//! a stale state is never loaded. Processes that start together take an exclusive file lock
//! while they look for the state, so exactly one of them deploys and the others wait for it.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, keccak256};
use alloy::providers::Provider;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::governance::GovernanceContract;
use nexus_chain::bindings::timelock::NexusTimelock;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::{DeployConfig, Deployment, deploy_all};

use super::anvil::{AnvilNode, anvil_binary};
use crate::TestError;

/// Bumped whenever the layout or the meaning of the cached files changes.
const FORMAT: &str = "nexus-testkit-chain-v1";

/// The treasury of the test deployment: an address nobody holds a key for, so every fee,
/// forfeited stake and slash that reaches it is visible in its balance alone.
pub const TREASURY: Address = Address::repeat_byte(0x7e);

/// Index among anvil's ten dev accounts of the deployer (admin, minter, guardian).
pub const DEPLOYER_INDEX: usize = 0;

/// Index among anvil's ten dev accounts of the arbiter of the test deployment.
pub const ARBITER_INDEX: usize = 9;

/// A deployed chain on disk: start anvil with `--load-state <state_file>`.
#[derive(Debug, Clone)]
pub(crate) struct DeployedState {
    /// anvil's own dump (JSON), contracts deployed and wired.
    pub(crate) state_file: PathBuf,
    /// Where the contracts are (and the deployments file services read, at `deployment_file`).
    pub(crate) deployment: Deployment,
    /// The deployments file, as `nexus-chain deploy` writes it.
    pub(crate) deployment_file: PathBuf,
}

/// The deploy configuration of the test chain: the local defaults with the [`TREASURY`] and one
/// arbiter (dev account [`ARBITER_INDEX`]).
pub(crate) fn deploy_config(dev_accounts: &[Address]) -> Result<DeployConfig, TestError> {
    let (Some(deployer), Some(arbiter)) = (
        dev_accounts.get(DEPLOYER_INDEX),
        dev_accounts.get(ARBITER_INDEX),
    ) else {
        return Err(format!(
            "anvil gave {} dev accounts; the test chain needs ten",
            dev_accounts.len()
        )
        .into());
    };
    let mut config = DeployConfig::local(*deployer);
    config.params.treasury = TREASURY;
    config.arbiters = vec![*arbiter];
    Ok(config)
}

/// The deployed state for this build, made now if no process made it before.
pub(crate) async fn deployed_state() -> Result<DeployedState, TestError> {
    let directory = cache_directory()?;
    std::fs::create_dir_all(&directory)
        .map_err(|error| format!("creating {}: {error}", directory.display()))?;
    let key = state_key()?;
    let state_file = directory.join(format!("{key}.state.json"));
    let deployment_file = directory.join(format!("{key}.deployment.json"));

    // Held until this function returns: another process waits here while this one deploys.
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(directory.join(format!("{key}.lock")))?;
    lock.lock()?;
    if !state_file.is_file() {
        make_state(&state_file, &deployment_file).await?;
    }
    let deployment = Deployment::read(&deployment_file)
        .map_err(|error| format!("reading {}: {error}", deployment_file.display()))?;
    drop(lock);
    Ok(DeployedState {
        state_file,
        deployment,
        deployment_file,
    })
}

/// Deploys on a scratch anvil and leaves its dump at `state_file` (written last, so its presence
/// means the pair is complete).
async fn make_state(state_file: &Path, deployment_file: &Path) -> Result<(), TestError> {
    let scratch = state_file.with_extension("partial");
    let _ = std::fs::remove_file(&scratch);
    let scratch_argument = scratch.to_string_lossy().into_owned();
    let mut node = AnvilNode::start(&["--dump-state", &scratch_argument]).await?;
    let provider = nexus_chain::connect(&node.url, None)?;
    let dev_accounts = provider.get_accounts().await?;
    let config = deploy_config(&dev_accounts)?;
    let deployment = deploy_all(&provider, config.guardian, &config).await?;
    drop(provider);
    node.stop();
    if !scratch.is_file() {
        return Err(format!("anvil wrote no state to {} when stopped", scratch.display()).into());
    }
    deployment.write(deployment_file)?;
    std::fs::rename(&scratch, state_file)?;
    Ok(())
}

/// `target/<profile>/nexus-testkit-chain`, beside the test binaries (`target/<profile>/deps`),
/// so `cargo clean` removes it; the system's temporary directory if that cannot be found.
fn cache_directory() -> Result<PathBuf, TestError> {
    let executable = std::env::current_exe()?;
    let profile_directory = executable
        .parent()
        .filter(|deps| deps.ends_with("deps"))
        .and_then(Path::parent);
    Ok(match profile_directory {
        Some(directory) => directory.join("nexus-testkit-chain"),
        None => std::env::temp_dir().join("nexus-testkit-chain"),
    })
}

/// A hash over everything the deployed state depends on (see the module docs).
fn state_key() -> Result<String, TestError> {
    let binary = anvil_binary()?;
    let metadata = File::open(&binary)?.metadata()?;
    let modified = metadata
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    let placeholder_accounts: Vec<Address> = (0..10u8).map(Address::repeat_byte).collect();
    let config = deploy_config(&placeholder_accounts)?;
    let mut material = Vec::new();
    material.extend_from_slice(FORMAT.as_bytes());
    material.extend_from_slice(binary.to_string_lossy().as_bytes());
    material.extend_from_slice(&metadata.len().to_be_bytes());
    material.extend_from_slice(&modified.to_be_bytes());
    material.extend_from_slice(format!("{config:?}").as_bytes());
    for bytecode in [
        &ReputationToken::BYTECODE,
        &NexusTimelock::BYTECODE,
        &GovernanceContract::BYTECODE,
        &BountyContract::BYTECODE,
    ] {
        material.extend_from_slice(bytecode);
    }
    let hash = keccak256(&material);
    Ok(hash.to_string()[2..18].to_owned())
}
