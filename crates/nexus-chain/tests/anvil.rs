//! The contracts on a real EVM (anvil from `contracts/node_modules`, started on a free loopback port
//! and killed afterwards): deployment, the commitment scheme, and the settlement of at least 1,000
//! random bounties, whose payouts must equal `nexus_core::settlement` to the wei.
//!
//! Needs `contracts/ci.sh` (or `npm ci` in `contracts/`) to have installed anvil; set `TEST_NEXUS_ANVIL` to
//! use another binary. `TEST_NEXUS_SETTLEMENT_BOUNTIES` and `TEST_NEXUS_SETTLEMENT_SEED` change the run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, U256, keccak256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{BlockNumberOrTag, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use futures_util::future::join_all;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::commitment::{SealedAssertion, VerdictCode, commitment};
use nexus_chain::deploy::{DeployConfig, Deployment, NXS, confirm, deploy_all};
use nexus_chain::intents::{
    CommitAssertion, CreateBounty, OpenDispute, Permit, bounty_domain, sign_commit,
    sign_create_bounty, sign_open_dispute, sign_permit, token_domain,
};
use nexus_core::settlement::{AssertionInput, Outcome, Payouts, Verdict, settle_bounty};

/// A running anvil, killed when dropped.
struct AnvilNode {
    child: Child,
    url: String,
}

impl AnvilNode {
    fn binary() -> PathBuf {
        if let Ok(path) = std::env::var("TEST_NEXUS_ANVIL") {
            return PathBuf::from(path);
        }
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts/node_modules/.bin/anvil");
        assert!(
            path.exists(),
            "anvil not found at {}: run contracts/ci.sh (or `npm ci` in contracts/) first",
            path.display()
        );
        path
    }

    async fn start() -> Self {
        // Ask the OS for a free port, release it and hand it to anvil.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(Self::binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--accounts", "10", "--balance", "1000000", "--quiet"])
            // Thousands of one-transaction blocks: keep only the most recent states in memory.
            .args(["--prune-history", "256"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn anvil");
        let node = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let provider = nexus_chain::connect(&node.url, None).unwrap();
        let started = Instant::now();
        while provider.get_chain_id().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "anvil did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        node
    }
}

impl Drop for AnvilNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    let current = now(provider).await;
    if timestamp > current {
        let _: serde_json::Value = provider
            .raw_request(
                "evm_increaseTime".into(),
                serde_json::json!([timestamp - current]),
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

#[tokio::test]
async fn deploy_writes_the_deployments_file_and_commitments_match_the_contract() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;

    let path = std::env::temp_dir().join(format!("nexus-deployments-{}.json", std::process::id()));
    system.deployment.write(&path).unwrap();
    assert_eq!(Deployment::read(&path).unwrap(), system.deployment);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(system.deployment.chain_id, 31_337);

    // Wiring: the bounty contract slashes, the timelock administers, the arbiter arbitrates.
    let token = system.token();
    let bounty = system.bounty();
    let slasher = keccak256("SLASHER_ROLE");
    assert!(
        token
            .hasRole(slasher, system.deployment.bounty)
            .call()
            .await
            .unwrap()
    );
    let admin = B256::ZERO;
    assert!(
        bounty
            .hasRole(admin, system.deployment.timelock)
            .call()
            .await
            .unwrap()
    );
    let arbiter_role = keccak256("ARBITER_ROLE");
    assert!(
        bounty
            .hasRole(arbiter_role, system.arbiter())
            .call()
            .await
            .unwrap()
    );
    assert_eq!(
        bounty.params().call().await.unwrap().treasury,
        system.treasury
    );

    // The Rust commitment is the contract's, for both verdicts and arbitrary fields.
    let mut rng = Rng(7);
    for round in 0..8 {
        let assertion = SealedAssertion {
            verdict: if round % 2 == 0 {
                VerdictCode::Benign
            } else {
                VerdictCode::Malicious
            },
            confidence: (rng.below(101)) as u8,
            metadata_hash: B256::from(U256::from(rng.next()) << 128),
            salt: B256::from(U256::from(rng.next())),
        };
        let bounty_id = U256::from(rng.next());
        let analyst = system.analysts()[round % 8];
        let on_chain = bounty
            .commitmentOf(
                bounty_id,
                analyst,
                assertion.verdict as u8,
                assertion.confidence,
                assertion.metadata_hash,
                assertion.salt,
            )
            .call()
            .await
            .unwrap();
        assert_eq!(commitment(bounty_id, analyst, &assertion), on_chain);
    }
}

/// The `nexus-chain deploy` binary deploys to the RPC it is given and writes a deployments file
/// whose addresses hold code; a missing key or URL is refused.
#[tokio::test]
async fn deploy_binary_writes_a_deployments_file() {
    let node = AnvilNode::start().await;
    let out = std::env::temp_dir().join(format!("nexus-deploy-bin-{}.json", std::process::id()));
    // anvil's first default dev key (public, documented by Foundry; only valid on dev chains).
    let dev_key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let binary = env!("CARGO_BIN_EXE_nexus-chain");
    let status = Command::new(binary)
        .args(["deploy", "--rpc-url", &node.url, "--out"])
        .arg(&out)
        .env("NEXUS_DEPLOYER_PRIVATE_KEY", dev_key)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "deploy failed: {status}");
    let deployment = Deployment::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    let provider = nexus_chain::connect(&node.url, None).unwrap();
    for address in [
        deployment.reputation_token,
        deployment.timelock,
        deployment.governance,
        deployment.bounty,
    ] {
        assert!(
            !provider.get_code_at(address).await.unwrap().is_empty(),
            "no code at {address}"
        );
    }
    assert_eq!(deployment.chain_id, 31_337);

    let without_key = Command::new(binary)
        .args(["deploy", "--rpc-url", &node.url])
        .env_remove("NEXUS_DEPLOYER_PRIVATE_KEY")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!without_key.success(), "a deploy without a key must fail");
    let without_url = Command::new(binary)
        .arg("deploy")
        .env("NEXUS_DEPLOYER_PRIVATE_KEY", dev_key)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !without_url.success(),
        "a deploy without --rpc-url must fail"
    );
}

/// Users without ETH sign intents and permits in Rust; a relayer submits them; the contract
/// accepts them, acts for the signer, and rejects a replay.
#[tokio::test]
async fn relayed_intents_signed_in_rust_are_accepted() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let token = system.token();
    let bounty = system.bounty();
    let relayer = system.accounts[9];
    let chain_id = system.deployment.chain_id;
    let bounty_domain = bounty_domain(chain_id, system.deployment.bounty);
    let token_domain = token_domain(chain_id, system.deployment.reputation_token);

    let creator_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
    let analyst_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x43)).unwrap();
    let (creator, analyst) = (creator_key.address(), analyst_key.address());
    assert_eq!(
        provider.get_balance(creator).await.unwrap(),
        U256::ZERO,
        "creator has no ETH"
    );
    send!(
        provider,
        token.mint(creator, u(1_000 * NXS)),
        system.deployer()
    );
    send!(
        provider,
        token.mint(analyst, u(1_000 * NXS)),
        system.deployer()
    );
    // The analyst needs the qualifying stake; staking is a token call, done here by impersonation.
    let _: serde_json::Value = provider
        .raw_request(
            "anvil_impersonateAccount".into(),
            serde_json::json!([analyst]),
        )
        .await
        .unwrap();
    let _: serde_json::Value = provider
        .raw_request(
            "anvil_setBalance".into(),
            serde_json::json!([analyst, "0xde0b6b3a7640000"]),
        )
        .await
        .unwrap();
    send!(provider, token.stake(u(100 * NXS)), analyst);

    let deadline = U256::from(now(&provider).await + 3_600);
    let request = BountyContract::CreateBountyRequest {
        artifactHash: keccak256("relayed sample"),
        kind: 0,
        reward: 250 * NXS,
        minStake: NXS,
        assertionDeadline: now(&provider).await + 86_400,
    };
    let intent = sign_create_bounty(
        &creator_key,
        &bounty_domain,
        &CreateBounty::for_request(creator, &request, U256::ZERO, deadline),
    )
    .unwrap();
    let permit = sign_permit(
        &creator_key,
        &token_domain,
        &Permit {
            owner: creator,
            spender: system.deployment.bounty,
            value: u(250 * NXS),
            nonce: U256::ZERO,
            deadline,
        },
    )
    .unwrap();
    send!(
        provider,
        bounty.createBountyBySig(request.clone(), intent.clone(), permit),
        relayer
    );
    let bounty_id = U256::from(1);
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    assert_eq!(record.terms.creator, creator, "the signer is the creator");
    assert_eq!(
        system.balance(creator).await,
        u(750 * NXS),
        "reward taken from the signer"
    );
    assert_eq!(
        provider.get_balance(creator).await.unwrap(),
        U256::ZERO,
        "and no ETH spent"
    );

    // Replaying the same intent fails (the nonce is used).
    let replay = bounty
        .createBountyBySig(request, intent, no_permit())
        .from(relayer)
        .call()
        .await;
    assert!(replay.is_err(), "a replayed intent must be rejected");

    // A relayed commit with a permit for the stake.
    let sealed = SealedAssertion {
        verdict: VerdictCode::Malicious,
        confidence: 90,
        metadata_hash: keccak256("analysis report"),
        salt: keccak256("secret salt"),
    };
    let hash = commitment(bounty_id, analyst, &sealed);
    let commit_payload = CommitAssertion {
        analyst,
        bountyId: bounty_id,
        commitment: hash,
        stake: 5 * NXS,
        nonce: U256::ZERO,
        deadline,
    };
    let commit_intent = sign_commit(&analyst_key, &bounty_domain, &commit_payload).unwrap();
    let stake_permit = sign_permit(
        &analyst_key,
        &token_domain,
        &Permit {
            owner: analyst,
            spender: system.deployment.bounty,
            value: u(5 * NXS),
            nonce: U256::ZERO,
            deadline,
        },
    )
    .unwrap();
    send!(
        provider,
        bounty.commitBySig(bounty_id, hash, 5 * NXS, commit_intent, stake_permit),
        relayer
    );
    let assertion = bounty
        .getAssertion(bounty_id, analyst)
        .call()
        .await
        .unwrap();
    assert_eq!(assertion.commitment, hash, "committed for the analyst");

    // A relayed dispute after resolution.
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    advance_to(&provider, record.terms.assertionDeadline + 1).await;
    send!(
        provider,
        bounty.reveal(
            bounty_id,
            analyst,
            sealed.verdict as u8,
            sealed.confidence,
            sealed.metadata_hash,
            sealed.salt
        ),
        relayer
    );
    advance_to(&provider, record.terms.revealDeadline + 1).await;
    send!(provider, bounty.resolve(bounty_id), relayer);
    let dispute_deadline = U256::from(now(&provider).await + 3_600);
    let dispute_payload = OpenDispute {
        disputant: creator,
        bountyId: bounty_id,
        nonce: U256::from(1),
        deadline: dispute_deadline,
    };
    let dispute = sign_open_dispute(&creator_key, &bounty_domain, &dispute_payload).unwrap();
    send!(
        provider,
        bounty.openDisputeBySig(bounty_id, dispute),
        relayer
    );
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    assert_eq!(
        record.state.status, 3,
        "disputed by the creator's signed intent"
    );
}

/// One analyst's part in a generated bounty.
struct Planned {
    analyst: usize,
    stake: u128,
    verdict: Verdict,
    revealed: bool,
}

/// A generated bounty and what the contract snapshot it with.
struct PlannedBounty {
    id: U256,
    reward: u128,
    fee_bps: u16,
    quorum: u32,
    assertions: Vec<Planned>,
    ruling: Option<Outcome>,
}

fn plan_assertions(rng: &mut Rng, index: usize) -> Vec<Planned> {
    let verdict = |rng: &mut Rng| {
        if rng.chance(50) {
            Verdict::Benign
        } else {
            Verdict::Malicious
        }
    };
    if index % 50 == 7 {
        return Vec::new(); // nobody takes part
    }
    if index % 20 == 3 {
        // An exact tie between two revealed analysts.
        let stake = rng.amount(NXS, 10_000 * NXS);
        return vec![
            Planned {
                analyst: 0,
                stake,
                verdict: Verdict::Benign,
                revealed: true,
            },
            Planned {
                analyst: 1,
                stake,
                verdict: Verdict::Malicious,
                revealed: true,
            },
        ];
    }
    let mut planned = Vec::new();
    for analyst in 0..8 {
        if rng.chance(55) {
            planned.push(Planned {
                analyst,
                stake: rng.amount(NXS, 10_000 * NXS),
                verdict: verdict(rng),
                revealed: rng.chance(80),
            });
        }
    }
    planned
}

fn sealed(verdict: Verdict, bounty: &PlannedBounty, analyst: usize) -> SealedAssertion {
    SealedAssertion {
        verdict: match verdict {
            Verdict::Benign => VerdictCode::Benign,
            Verdict::Malicious => VerdictCode::Malicious,
        },
        confidence: 75,
        metadata_hash: keccak256(format!("report {} {analyst}", bounty.id)),
        salt: keccak256(format!("salt {} {analyst}", bounty.id)),
    }
}

#[tokio::test]
async fn contract_payouts_equal_the_rust_settlement_for_random_bounties() {
    let count: usize = std::env::var("TEST_NEXUS_SETTLEMENT_BOUNTIES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000);
    let seed: u64 = std::env::var("TEST_NEXUS_SETTLEMENT_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0x4e58_5321);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let token = system.token();
    let bounty = system.bounty();
    let deployer = system.deployer();
    let creator = deployer;
    let mut batch = Batch::new(&provider, system.deployment.chain_id);

    // Fund everyone: analysts stake the qualifying minimum and approve the escrow.
    let escrow = system.deployment.bounty;
    batch
        .push(
            deployer,
            token
                .mint(creator, u(100_000_000 * NXS))
                .into_transaction_request(),
        )
        .await;
    batch
        .push(
            creator,
            token.approve(escrow, U256::MAX).into_transaction_request(),
        )
        .await;
    for analyst in system.analysts() {
        batch
            .push(
                deployer,
                token
                    .mint(*analyst, u(10_000_000 * NXS))
                    .into_transaction_request(),
            )
            .await;
    }
    // A run orders transactions per account only: stake after the mints are mined.
    batch.run().await;
    for analyst in system.analysts() {
        batch
            .push(
                *analyst,
                token.stake(u(100 * NXS)).into_transaction_request(),
            )
            .await;
        batch
            .push(
                *analyst,
                token.approve(escrow, U256::MAX).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    let mut expected_balance = Vec::new();
    for analyst in system.analysts() {
        expected_balance.push(system.balance(*analyst).await);
    }
    let mut expected_creator = system.balance(creator).await;
    let mut expected_treasury = U256::ZERO;

    // Create every bounty with one assertion deadline; change fee and quorum every 100 bounties
    // (through setParams, which the local deployer may call) so the snapshots are exercised too.
    // All from one account, so bounty ids follow the order below.
    let deadline = now(&provider).await + 6 * 86_400;
    let mut current = bounty.params().call().await.unwrap();
    let mut bounties = Vec::with_capacity(count);
    for index in 0..count {
        if index % 100 == 0 {
            current.feeBps = rng.below(1_001) as u16;
            current.quorum = 1 + rng.below(3) as u32;
            batch
                .push(
                    deployer,
                    bounty.setParams(current.clone()).into_transaction_request(),
                )
                .await;
        }
        let reward = rng.amount(NXS, 100_000 * NXS);
        let request = BountyContract::CreateBountyRequest {
            artifactHash: keccak256(format!("artifact {index}")),
            kind: (index % 3) as u8,
            reward,
            minStake: NXS,
            assertionDeadline: deadline,
        };
        batch
            .push(
                creator,
                bounty
                    .createBounty(request, no_permit())
                    .into_transaction_request(),
            )
            .await;
        expected_creator -= u(reward);
        bounties.push(PlannedBounty {
            id: U256::from(index + 1),
            reward,
            fee_bps: current.feeBps,
            quorum: current.quorum,
            assertions: plan_assertions(&mut rng, index),
            ruling: if rng.chance(10) {
                Some([Outcome::Benign, Outcome::Malicious, Outcome::Invalid][rng.below(3) as usize])
            } else {
                None
            },
        });
    }
    batch.run().await;
    assert_eq!(
        bounty.bountyCount().call().await.unwrap(),
        U256::from(count)
    );
    for planned in &bounties {
        for assertion in &planned.assertions {
            let analyst = system.analysts()[assertion.analyst];
            let hash = commitment(
                planned.id,
                analyst,
                &sealed(assertion.verdict, planned, assertion.analyst),
            );
            let call = bounty.commit(planned.id, hash, assertion.stake, no_permit());
            batch.push(analyst, call.into_transaction_request()).await;
            expected_balance[assertion.analyst] -= u(assertion.stake);
        }
    }
    batch.run().await;
    eprintln!(
        "created {count} bounties with commits in {:?}",
        started.elapsed()
    );

    // Reveal phase; each analyst reveals their own (anyone could).
    advance_to(&provider, deadline + 1).await;
    for planned in &bounties {
        for assertion in planned.assertions.iter().filter(|a| a.revealed) {
            let analyst = system.analysts()[assertion.analyst];
            let sealed = sealed(assertion.verdict, planned, assertion.analyst);
            let call = bounty.reveal(
                planned.id,
                analyst,
                sealed.verdict as u8,
                sealed.confidence,
                sealed.metadata_hash,
                sealed.salt,
            );
            batch.push(analyst, call.into_transaction_request()).await;
        }
    }
    batch.run().await;
    eprintln!("revealed in {:?}", started.elapsed());

    // Resolution (by anyone: spread over the accounts), then disputes decided by the arbiter.
    advance_to(&provider, deadline + 86_400 + 1).await;
    for (index, planned) in bounties.iter().enumerate() {
        let resolver = system.accounts[index % 9];
        batch
            .push(
                resolver,
                bounty.resolve(planned.id).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    for planned in bounties.iter().filter(|planned| planned.ruling.is_some()) {
        batch
            .push(
                creator,
                bounty.openDispute(planned.id).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    for planned in &bounties {
        if let Some(ruling) = planned.ruling {
            let call = bounty.decideDispute(planned.id, outcome_code(ruling));
            batch
                .push(system.arbiter(), call.into_transaction_request())
                .await;
        }
    }
    batch.run().await;
    // Past every dispute and arbitration window: everything is final.
    advance_to(&provider, deadline + 6 * 86_400).await;
    eprintln!("resolved and arbitrated in {:?}", started.elapsed());

    // Compare every settlement and every claimable amount with the Rust rule (views, concurrently).
    let mut expectations = Vec::with_capacity(count);
    for planned in &bounties {
        let inputs: Vec<AssertionInput> = planned
            .assertions
            .iter()
            .map(|a| AssertionInput {
                stake: a.stake,
                revealed: a.revealed.then_some(a.verdict),
            })
            .collect();
        let expected = settle_bounty(
            planned.reward,
            planned.fee_bps,
            planned.quorum,
            &inputs,
            planned.ruling,
        )
        .unwrap();
        expectations.push(expected);
    }
    let mut outcomes = [0usize; 3];
    for expected in &expectations {
        outcomes[outcome_code(expected.settlement.outcome) as usize - 1] += 1;
    }
    for chunk in bounties
        .iter()
        .zip(&expectations)
        .collect::<Vec<_>>()
        .chunks(32)
    {
        let checks = chunk
            .iter()
            .map(|(planned, expected)| check_settlement(&system, planned, expected, seed));
        join_all(checks).await;
    }
    eprintln!("compared in {:?}; outcomes {outcomes:?}", started.elapsed());

    // Pay everything out.
    for (planned, expected) in bounties.iter().zip(&expectations) {
        for (assertion, payout) in planned.assertions.iter().zip(&expected.analysts) {
            if *payout > 0 {
                let analyst = system.analysts()[assertion.analyst];
                batch
                    .push(
                        analyst,
                        bounty.claim(planned.id, analyst).into_transaction_request(),
                    )
                    .await;
                expected_balance[assertion.analyst] += u(*payout);
            }
        }
        if expected.settlement.creator_refund > 0 {
            batch
                .push(
                    creator,
                    bounty.refundCreator(planned.id).into_transaction_request(),
                )
                .await;
        }
        if expected.settlement.treasury_amount > 0 {
            batch
                .push(
                    system.arbiter(),
                    bounty.payTreasury(planned.id).into_transaction_request(),
                )
                .await;
        }
        expected_creator += u(expected.creator_refund);
        expected_treasury += u(expected.treasury_total);
    }
    batch.run().await;
    eprintln!("claimed in {:?}", started.elapsed());

    // The money actually moved, to the wei: every balance is what the Rust rule says.
    for chunk in bounties.chunks(32) {
        let checks = chunk.iter().map(|planned| async {
            let record = bounty.getBounty(planned.id).call().await.unwrap();
            let escrowed = record
                .terms
                .reward
                .checked_add(record.state.totalStake)
                .unwrap();
            assert_eq!(
                record.state.paidOut, escrowed,
                "everything escrowed paid out on bounty {}",
                planned.id
            );
        });
        join_all(checks).await;
    }
    for (index, analyst) in system.analysts().iter().enumerate() {
        assert_eq!(
            system.balance(*analyst).await,
            expected_balance[index],
            "analyst {index}"
        );
    }
    assert_eq!(system.balance(creator).await, expected_creator, "creator");
    assert_eq!(
        system.balance(system.treasury).await,
        expected_treasury,
        "treasury (fees, dust, forfeits)"
    );
    assert_eq!(system.balance(escrow).await, U256::ZERO, "escrow is empty");
    assert_eq!(
        bounty.totalEscrowed().call().await.unwrap(),
        U256::ZERO,
        "no obligations left"
    );
    // The scenario must have covered every kind of outcome.
    assert!(
        outcomes.iter().all(|&n| n > 0),
        "outcomes benign/malicious/invalid: {outcomes:?}"
    );
}

/// Checks one final bounty against the Rust settlement: the settlement record and every claimable amount.
async fn check_settlement(system: &System, planned: &PlannedBounty, expected: &Payouts, seed: u64) {
    let bounty = system.bounty();
    let context = format!("bounty {} (seed {seed})", planned.id);
    let on_chain = bounty.settlementOf(planned.id).call().await.unwrap();
    let settlement = expected.settlement;
    assert_eq!(
        on_chain.outcome,
        outcome_code(settlement.outcome),
        "outcome of {context}"
    );
    assert_eq!(
        on_chain.winningStake,
        u(settlement.winning_stake),
        "winning stake of {context}"
    );
    assert_eq!(on_chain.pool, u(settlement.pool), "pool of {context}");
    assert_eq!(on_chain.fee, u(settlement.fee), "fee of {context}");
    assert_eq!(
        on_chain.distributable,
        u(settlement.distributable),
        "distributable of {context}"
    );
    assert_eq!(
        on_chain.treasuryAmount,
        u(settlement.treasury_amount),
        "treasury of {context}"
    );
    assert_eq!(
        on_chain.creatorRefund,
        u(settlement.creator_refund),
        "refund of {context}"
    );
    for (assertion, payout) in planned.assertions.iter().zip(&expected.analysts) {
        let analyst = system.analysts()[assertion.analyst];
        let claimable = bounty.claimable(planned.id, analyst).call().await.unwrap();
        assert_eq!(
            claimable,
            u(*payout),
            "payout of analyst {} on {context}",
            assertion.analyst
        );
    }
}
