//! Deploying and wiring the three contracts, and the deployments file the services read.

use std::path::Path;
use std::time::{Duration, Instant};

use alloy::network::Ethereum;
use alloy::primitives::{Address, B256, TxHash, U256, keccak256};
use alloy::providers::{DynProvider, PendingTransactionBuilder, Provider};
use alloy::rpc::types::TransactionReceipt;
use serde::{Deserialize, Serialize};

use crate::bindings::bounty::BountyContract;
use crate::bindings::governance::GovernanceContract;
use crate::bindings::timelock::NexusTimelock;
use crate::bindings::token::ReputationToken;
use crate::error::ChainError;

/// One NXS (10^18 wei).
pub const NXS: u128 = 1_000_000_000_000_000_000;

/// The role hash OpenZeppelin's AccessControl uses for `name` (`keccak256(name)`).
pub fn role(name: &str) -> B256 {
    keccak256(name.as_bytes())
}

/// AccessControl's `DEFAULT_ADMIN_ROLE`.
pub const DEFAULT_ADMIN_ROLE: B256 = B256::ZERO;

/// Platform parameters of the bounty contract, as `BountyContract.Params`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BountyParams {
    /// Fee in basis points of the settlement pool (at most 1000).
    pub fee_bps: u16,
    /// Minimum number of revealed assertions for a valid result.
    pub quorum: u32,
    /// Smallest commit window in seconds.
    pub min_commit_window: u64,
    /// Largest commit window in seconds.
    pub max_commit_window: u64,
    /// Reveal window in seconds.
    pub reveal_window: u64,
    /// Dispute window in seconds.
    pub dispute_window: u64,
    /// Arbitration window in seconds.
    pub arbitration_window: u64,
    /// Smallest reward in wei.
    pub min_reward: u128,
    /// Floor of a bounty's per-assertion minimum stake, in wei.
    pub min_assertion_stake: u128,
    /// NXS (wei) an analyst must have staked to commit.
    pub min_analyst_stake: u128,
    /// NXS (wei) slashed from an analyst who never reveals.
    pub no_reveal_slash: u128,
    /// Receives fees, dust, forfeited stakes and slashes.
    pub treasury: Address,
}

impl BountyParams {
    /// The defaults of the deploy tool (the same values the forge tests use), paying `treasury`.
    pub fn defaults(treasury: Address) -> Self {
        Self {
            fee_bps: 250,
            quorum: 1,
            min_commit_window: 3_600,
            max_commit_window: 7 * 86_400,
            reveal_window: 86_400,
            dispute_window: 86_400,
            arbitration_window: 3 * 86_400,
            min_reward: NXS,
            min_assertion_stake: NXS,
            min_analyst_stake: 100 * NXS,
            no_reveal_slash: 10 * NXS,
            treasury,
        }
    }

    /// The ABI struct for `setParams` and the constructor.
    pub fn to_abi(&self) -> BountyContract::Params {
        BountyContract::Params {
            feeBps: self.fee_bps,
            quorum: self.quorum,
            minCommitWindow: self.min_commit_window,
            maxCommitWindow: self.max_commit_window,
            revealWindow: self.reveal_window,
            disputeWindow: self.dispute_window,
            arbitrationWindow: self.arbitration_window,
            minReward: self.min_reward,
            minAssertionStake: self.min_assertion_stake,
            minAnalystStake: self.min_analyst_stake,
            noRevealSlash: self.no_reveal_slash,
            treasury: self.treasury,
        }
    }
}

/// What to deploy and how to wire it.
#[derive(Clone, Debug)]
pub struct DeployConfig {
    /// Bounty parameters (including the treasury).
    pub params: BountyParams,
    /// May pause new deposits.
    pub guardian: Address,
    /// Initial arbiters.
    pub arbiters: Vec<Address>,
    /// NXS unstake cooldown in seconds.
    pub unstake_cooldown: u64,
    /// Timelock delay in seconds.
    pub timelock_delay: u64,
    /// Governor voting delay in seconds.
    pub voting_delay: u64,
    /// Governor voting period in seconds.
    pub voting_period: u32,
    /// Votes (wei) needed to propose.
    pub proposal_threshold: u128,
    /// Quorum in percent of the supply.
    pub quorum_percent: u64,
    /// Whether the deployer keeps its admin and parameter roles. `false` (production) leaves the
    /// timelock as the only admin; `true` is convenient on a local chain.
    pub keep_deployer_admin: bool,
}

impl DeployConfig {
    /// Defaults with `deployer` as guardian, arbiter and treasury (fine locally, not in production).
    pub fn local(deployer: Address) -> Self {
        Self {
            params: BountyParams::defaults(deployer),
            guardian: deployer,
            arbiters: vec![deployer],
            // Longer than the longest commit window plus the reveal window (7 + 1 days), so an analyst
            // cannot unstake and withdraw before a no-reveal slash can reach the stake.
            unstake_cooldown: 14 * 86_400,
            timelock_delay: 2 * 86_400,
            voting_delay: 86_400,
            voting_period: 5 * 86_400,
            proposal_threshold: 1_000 * NXS,
            quorum_percent: 4,
            keep_deployer_admin: true,
        }
    }
}

/// The deployments file: where the contracts live on one chain. Services read it at start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Chain id the contracts are deployed on.
    pub chain_id: u64,
    /// The account that deployed them.
    pub deployer: Address,
    /// Block of the last deployment transaction (the chain listener can start here).
    pub block_number: u64,
    /// ReputationToken (NXS).
    pub reputation_token: Address,
    /// NexusTimelock.
    pub timelock: Address,
    /// GovernanceContract.
    pub governance: Address,
    /// BountyContract.
    pub bounty: Address,
}

impl Deployment {
    /// Writes the file as pretty JSON, creating parent directories.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, format!("{json}\n"))
    }

    /// Reads a file written by [`Deployment::write`].
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(std::io::Error::other)
    }
}

/// Waits for a sent transaction and fails unless it succeeded. Polls quickly at first (anvil
/// mines at once) and backs off to one second, for at most two minutes.
pub async fn confirm(
    provider: &DynProvider,
    pending: PendingTransactionBuilder<Ethereum>,
) -> Result<TransactionReceipt, ChainError> {
    confirm_hash(provider, *pending.tx_hash()).await
}

/// [`confirm`] for a transaction hash.
pub async fn confirm_hash(
    provider: &DynProvider,
    hash: TxHash,
) -> Result<TransactionReceipt, ChainError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(receipt) = provider.get_transaction_receipt(hash).await? {
            return if receipt.status() {
                Ok(receipt)
            } else {
                Err(ChainError::Reverted(hash))
            };
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err(ChainError::Timeout(hash));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

fn deployed_at(receipt: &TransactionReceipt) -> Result<Address, ChainError> {
    receipt
        .contract_address
        .ok_or(ChainError::NoContractAddress(receipt.transaction_hash))
}

/// Deploys the token, timelock, governor and bounty contract from `deployer` (which `provider`
/// must be able to sign for) and wires their roles as described in docs/CONTRACTS.md.
pub async fn deploy_all(
    provider: &DynProvider,
    deployer: Address,
    config: &DeployConfig,
) -> Result<Deployment, ChainError> {
    let chain_id = provider.get_chain_id().await?;

    let token_tx =
        ReputationToken::deploy_builder(provider.clone(), deployer, config.unstake_cooldown)
            .from(deployer)
            .send()
            .await?;
    let token_address = deployed_at(&confirm(provider, token_tx).await?)?;
    let token = ReputationToken::new(token_address, provider.clone());

    let timelock_tx = NexusTimelock::deploy_builder(
        provider.clone(),
        U256::from(config.timelock_delay),
        Vec::new(),
        vec![Address::ZERO],
        deployer,
    )
    .from(deployer)
    .send()
    .await?;
    let timelock_address = deployed_at(&confirm(provider, timelock_tx).await?)?;
    let timelock = NexusTimelock::new(timelock_address, provider.clone());

    let governor_tx = GovernanceContract::deploy_builder(
        provider.clone(),
        token_address,
        timelock_address,
        alloy::primitives::Uint::<48, 1>::from(config.voting_delay),
        config.voting_period,
        U256::from(config.proposal_threshold),
        U256::from(config.quorum_percent),
    )
    .from(deployer)
    .send()
    .await?;
    let governor_address = deployed_at(&confirm(provider, governor_tx).await?)?;

    let bounty_tx = BountyContract::deploy_builder(
        provider.clone(),
        token_address,
        deployer,
        config.guardian,
        config.params.to_abi(),
    )
    .from(deployer)
    .send()
    .await?;
    let bounty_address = deployed_at(&confirm(provider, bounty_tx).await?)?;
    let bounty = BountyContract::new(bounty_address, provider.clone());

    // Governance: the governor proposes and cancels on the timelock; anyone executes.
    for name in ["PROPOSER_ROLE", "CANCELLER_ROLE"] {
        let pending = timelock
            .grantRole(role(name), governor_address)
            .from(deployer)
            .send()
            .await?;
        confirm(provider, pending).await?;
    }
    // The bounty contract slashes; the timelock administers the token and the bounty contract.
    let mut grants = vec![
        (token_address, role("SLASHER_ROLE"), bounty_address),
        (token_address, DEFAULT_ADMIN_ROLE, timelock_address),
        (token_address, role("PARAMETER_ROLE"), timelock_address),
        (bounty_address, DEFAULT_ADMIN_ROLE, timelock_address),
        (bounty_address, role("PARAMETER_ROLE"), timelock_address),
    ];
    for arbiter in &config.arbiters {
        grants.push((bounty_address, role("ARBITER_ROLE"), *arbiter));
    }
    let mut last_receipt = None;
    for (target, role_hash, account) in grants {
        let pending = if target == token_address {
            token
                .grantRole(role_hash, account)
                .from(deployer)
                .send()
                .await?
        } else {
            bounty
                .grantRole(role_hash, account)
                .from(deployer)
                .send()
                .await?
        };
        last_receipt = Some(confirm(provider, pending).await?);
    }
    if !config.keep_deployer_admin {
        let renounces = [
            (token_address, role("PARAMETER_ROLE")),
            (token_address, DEFAULT_ADMIN_ROLE),
            (bounty_address, role("PARAMETER_ROLE")),
            (bounty_address, DEFAULT_ADMIN_ROLE),
            (timelock_address, DEFAULT_ADMIN_ROLE),
        ];
        for (target, role_hash) in renounces {
            let pending = if target == token_address {
                token
                    .renounceRole(role_hash, deployer)
                    .from(deployer)
                    .send()
                    .await?
            } else if target == bounty_address {
                bounty
                    .renounceRole(role_hash, deployer)
                    .from(deployer)
                    .send()
                    .await?
            } else {
                timelock
                    .renounceRole(role_hash, deployer)
                    .from(deployer)
                    .send()
                    .await?
            };
            last_receipt = Some(confirm(provider, pending).await?);
        }
    }
    let block_number = match last_receipt.and_then(|receipt| receipt.block_number) {
        Some(block) => block,
        None => provider.get_block_number().await?,
    };
    Ok(Deployment {
        chain_id,
        deployer,
        block_number,
        reputation_token: token_address,
        timelock: timelock_address,
        governance: governor_address,
        bounty: bounty_address,
    })
}
