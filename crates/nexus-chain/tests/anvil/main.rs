//! The contracts on a real EVM (anvil from `contracts/node_modules`, started on a free loopback port
//! by `nexus_testkit::chain` and stopped afterwards): deployment, the commitment scheme, and the
//! settlement of at least 1,000 random bounties, whose payouts must equal `nexus_core::settlement`
//! to the wei.
//!
//! Needs `contracts/ci.sh` (or `npm ci` in `contracts/`) to have installed anvil; set `TEST_NEXUS_ANVIL` to
//! use another binary. `TEST_NEXUS_SETTLEMENT_BOUNTIES` and `TEST_NEXUS_SETTLEMENT_SEED` change the run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

// The imports are shared with the test modules below (`use crate::*`), hence `pub(crate)`.
pub(crate) use std::collections::HashMap;
pub(crate) use std::process::{Command, Stdio};
pub(crate) use std::time::{Duration, Instant};

pub(crate) use alloy::network::TransactionBuilder;
pub(crate) use alloy::primitives::{Address, B256, U256, keccak256};
pub(crate) use alloy::providers::{DynProvider, Provider};
pub(crate) use alloy::rpc::types::{BlockNumberOrTag, TransactionRequest};
pub(crate) use alloy::signers::local::PrivateKeySigner;
pub(crate) use futures_util::future::join_all;
pub(crate) use nexus_chain::bindings::bounty::BountyContract;
pub(crate) use nexus_chain::bindings::token::ReputationToken;
pub(crate) use nexus_chain::commitment::{SealedAssertion, VerdictCode, commitment};
pub(crate) use nexus_chain::deploy::{DeployConfig, Deployment, NXS, confirm, deploy_all};
pub(crate) use nexus_chain::intents::{
    CommitAssertion, CreateBounty, OpenDispute, Permit, bounty_domain, sign_commit,
    sign_create_bounty, sign_open_dispute, sign_permit, token_domain,
};
pub(crate) use nexus_core::settlement::{AssertionInput, Outcome, Payouts, Verdict, settle_bounty};

/// A bare anvil (nothing deployed) from the shared test kit (`nexus_testkit::chain`): on a free
/// loopback port, behind the watchdog that stops it when the test process ends. These tests
/// deploy themselves (they test the deployment), so they start from an empty chain rather than
/// the kit's deployed `TestChain`.
struct AnvilNode {
    url: String,
    _node: nexus_testkit::chain::anvil::AnvilNode,
}

impl AnvilNode {
    async fn start() -> Self {
        // Thousands of one-transaction blocks: keep only the most recent states in memory.
        let node = nexus_testkit::chain::anvil::AnvilNode::start(&[
            "--accounts",
            "10",
            "--balance",
            "1000000",
            "--prune-history",
            "256",
        ])
        .await
        .unwrap_or_else(|error| panic!("anvil: {error}"));
        Self {
            url: node.url.clone(),
            _node: node,
        }
    }
}

/// SplitMix64: small, seedable and good enough to draw test scenarios.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform-ish in [low, high], with wei-level noise so roundings are exercised.
    fn amount(&mut self, low: u128, high: u128) -> u128 {
        let wide = (u128::from(self.next()) << 64) | u128::from(self.next());
        low + wide % (high - low + 1)
    }
}

/// Sends a contract call from `$from` with a fixed gas limit and fees (fewer round trips than
/// estimating every time) and waits for a successful receipt.
macro_rules! send {
    ($provider:expr, $call:expr, $from:expr) => {{
        let pending = $call
            .from($from)
            .gas(3_000_000)
            .max_fee_per_gas(100_000_000_000)
            .max_priority_fee_per_gas(1)
            .send()
            .await
            .expect("send transaction");
        confirm(&$provider, pending)
            .await
            .expect("transaction succeeded")
    }};
}

/// Transactions with explicit nonces, gas and fees (so no round trips to fill them), sent
/// concurrently across accounts and in order within each account, each confirmed successful.
/// The order between different accounts within one run is not fixed.
struct Batch {
    provider: DynProvider,
    chain_id: u64,
    nonces: HashMap<Address, u64>,
    queued: Vec<TransactionRequest>,
}

impl Batch {
    fn new(provider: &DynProvider, chain_id: u64) -> Self {
        Self {
            provider: provider.clone(),
            chain_id,
            nonces: HashMap::new(),
            queued: Vec::new(),
        }
    }

    async fn push(&mut self, from: Address, request: TransactionRequest) {
        let nonce = match self.nonces.get(&from) {
            Some(nonce) => *nonce,
            None => self.provider.get_transaction_count(from).await.unwrap(),
        };
        self.nonces.insert(from, nonce + 1);
        self.queued.push(
            request
                .with_from(from)
                .with_nonce(nonce)
                .with_chain_id(self.chain_id)
                .with_gas_limit(3_000_000)
                .with_max_fee_per_gas(100_000_000_000)
                .with_max_priority_fee_per_gas(1),
        );
    }

    async fn run(&mut self) {
        // One lane per account: its transactions are sent in order (so nonces never arrive out of
        // order), the lanes run concurrently, and receipts are checked afterwards.
        let mut lanes: Vec<(Address, Vec<TransactionRequest>)> = Vec::new();
        for request in std::mem::take(&mut self.queued) {
            let from = request.from.unwrap();
            match lanes.iter_mut().find(|(account, _)| *account == from) {
                Some((_, lane)) => lane.push(request),
                None => lanes.push((from, vec![request])),
            }
        }
        let sends = lanes.into_iter().map(|(_, lane)| {
            let provider = self.provider.clone();
            async move {
                let mut hashes = Vec::with_capacity(lane.len());
                for request in lane {
                    hashes.push(
                        *provider
                            .send_transaction(request)
                            .await
                            .expect("send")
                            .tx_hash(),
                    );
                }
                hashes
            }
        });
        let hashes = join_all(sends).await.concat();
        for chunk in hashes.chunks(64) {
            join_all(chunk.iter().map(|hash| mined(&self.provider, *hash))).await;
        }
        // Anything sent outside the batch from now on must not collide with cached nonces.
        self.nonces.clear();
    }
}

/// Waits until `hash` is mined and checks it succeeded. anvil mines on arrival, but a transaction
/// that arrived before its predecessor nonce can stay queued until the next block, so after a
/// short wait this asks anvil for a block (`evm_mine`).
async fn mined(provider: &DynProvider, hash: alloy::primitives::TxHash) {
    let started = Instant::now();
    loop {
        if let Some(receipt) = provider.get_transaction_receipt(hash).await.unwrap() {
            assert!(receipt.status(), "transaction {hash} reverted");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "transaction {hash} was not mined"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _: serde_json::Value = provider
            .raw_request("evm_mine".into(), serde_json::json!([]))
            .await
            .unwrap();
    }
}

async fn now(provider: &DynProvider) -> u64 {
    provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
}

async fn advance_to(provider: &DynProvider, timestamp: u64) {
    // The next block's time set exactly, not increased by `timestamp - now`: anvil keeps block
    // times strictly increasing, so the latest block can be ahead of its clock, and an increase
    // measured from that block then lands short of `timestamp` (a claim once found the dispute
    // window still open this way, under load).
    let current = now(provider).await;
    if timestamp > current {
        let _: serde_json::Value = provider
            .raw_request(
                "evm_setNextBlockTimestamp".into(),
                serde_json::json!([timestamp]),
            )
            .await
            .unwrap();
    }
    let _: serde_json::Value = provider
        .raw_request("evm_mine".into(), serde_json::json!([]))
        .await
        .unwrap();
}

fn no_permit() -> BountyContract::PermitSignature {
    BountyContract::PermitSignature {
        deadline: U256::ZERO,
        v: 0,
        r: B256::ZERO,
        s: B256::ZERO,
    }
}

fn u(value: u128) -> U256 {
    U256::from(value)
}

fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Benign => 1,
        Outcome::Malicious => 2,
        Outcome::Invalid => 3,
    }
}

struct System {
    provider: DynProvider,
    accounts: Vec<Address>,
    deployment: Deployment,
    treasury: Address,
}

impl System {
    fn deployer(&self) -> Address {
        self.accounts[0]
    }

    fn analysts(&self) -> &[Address] {
        &self.accounts[1..9]
    }

    fn arbiter(&self) -> Address {
        self.accounts[9]
    }

    fn token(&self) -> ReputationToken::ReputationTokenInstance<DynProvider> {
        ReputationToken::new(self.deployment.reputation_token, self.provider.clone())
    }

    fn bounty(&self) -> BountyContract::BountyContractInstance<DynProvider> {
        BountyContract::new(self.deployment.bounty, self.provider.clone())
    }

    async fn deploy(node: &AnvilNode) -> Self {
        let provider = nexus_chain::connect(&node.url, None).unwrap();
        let accounts = provider.get_accounts().await.unwrap();
        assert!(accounts.len() >= 10, "anvil gives ten dev accounts");
        let treasury = Address::repeat_byte(0x7e);
        let mut config = DeployConfig::local(accounts[0]);
        config.params.treasury = treasury;
        config.arbiters = vec![accounts[9]];
        let deployment = deploy_all(&provider, accounts[0], &config).await.unwrap();
        Self {
            provider,
            accounts,
            deployment,
            treasury,
        }
    }

    async fn balance(&self, account: Address) -> U256 {
        self.token().balanceOf(account).call().await.unwrap()
    }
}

mod deploy;
mod intents;
mod relay;
mod settlement;
mod typed_data;
