//! Relayer throughput on anvil: intents relayed per second, beside the ceiling of the same calls
//! signed and sent directly (explicit nonces, gas and fees, no queue, no database).
//!
//! ```text
//! cargo run -p nexus-bounty --example relayer_throughput [-- <intents>]   # default 500
//! ```
//!
//! Needs what the tests need: PostgreSQL (`TEST_NEXUS_DATABASE_URL`) and anvil
//! (`contracts/ci.sh` installs it). Each run takes a chain and a database of its own. The
//! relayer's number covers everything a job goes through: read from the queue, gas estimate,
//! signature, record, broadcast, receipt and the confirmed mark; anvil mines each transaction at
//! once, so this is the relayer's own cost, not a block time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use alloy::eips::eip2718::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes, U256, keccak256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::SolCall;
use nexus_bounty::relayer::{self, NewTransaction, RelayerSettings, TransactionStatus};
use nexus_bounty::store::Store;
use nexus_chain::bindings::token::ReputationToken;
use nexus_testkit::TestContext;
use nexus_testkit::chain::TestChain;
use tokio_util::sync::CancellationToken;

fn approve(token: Address, spender: Address, amount: u64) -> (Address, Bytes) {
    let call = ReputationToken::approveCall {
        spender,
        value: U256::from(amount),
    };
    (token, Bytes::from(call.abi_encode()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let intents: u64 = std::env::args()
        .nth(1)
        .map(|text| text.parse().expect("the number of intents"))
        .unwrap_or(500);
    let chain = TestChain::private().await.unwrap();
    let token = chain.deployment().reputation_token;
    let spender = chain.deployer();

    // The ceiling: the same approvals, signed with explicit nonces and sent one after another.
    let direct = chain.account().await.unwrap().signer;
    let wallet = EthereumWallet::from(direct.clone());
    let provider = chain.provider().clone();
    let started = Instant::now();
    let mut last = None;
    for nonce in 0..intents {
        let (to, calldata) = approve(token, spender, nonce + 1);
        let envelope = TransactionRequest::default()
            .with_from(direct.address())
            .with_to(to)
            .with_input(calldata)
            .with_chain_id(chain.chain_id())
            .with_nonce(nonce)
            .with_gas_limit(100_000)
            .with_max_fee_per_gas(10_000_000_000)
            .with_max_priority_fee_per_gas(1_000_000)
            .build(&wallet)
            .await
            .unwrap();
        let pending = provider
            .send_raw_transaction(&envelope.encoded_2718())
            .await
            .unwrap();
        last = Some(*pending.tx_hash());
    }
    while provider
        .get_transaction_receipt(last.unwrap())
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let direct_seconds = started.elapsed().as_secs_f64();

    // The relayer: all intents queued first, then one sender until every job is confirmed.
    let signer = chain.account().await.unwrap().signer;
    let context = TestContext::new().await.unwrap();
    let store = Store::new(context.database.pool.clone()).unwrap();
    let bounty_id = uuid::Uuid::now_v7();
    for amount in 1..=intents {
        let (to, calldata) = approve(token, spender, amount);
        store
            .queue(NewTransaction {
                kind: "approve".into(),
                bounty_id: Some(bounty_id),
                to,
                calldata,
                idempotency_key: keccak256(amount.to_be_bytes()),
            })
            .await
            .unwrap();
    }
    let settings = RelayerSettings {
        private_key: Some(alloy::hex::encode(signer.to_bytes()).into()),
        poll_interval: Duration::from_millis(10),
        batch_size: 200,
        ..RelayerSettings::default()
    };
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let sender = tokio::spawn(relayer::run(
        store.clone(),
        settings,
        chain.settings(),
        shutdown.clone(),
    ));
    loop {
        let views = store.bounty_transactions(bounty_id).await.unwrap();
        let confirmed = views
            .iter()
            .filter(|view| view.status == TransactionStatus::Confirmed)
            .count();
        if confirmed as u64 == intents {
            break;
        }
        assert!(
            views
                .iter()
                .all(|view| view.status != TransactionStatus::Failed),
            "a job failed"
        );
        // Seldom enough that the measuring costs the relayer little of the two cores.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let relayer_seconds = started.elapsed().as_secs_f64();
    shutdown.cancel();
    sender.await.unwrap().unwrap();

    let relayed = intents as f64 / relayer_seconds;
    let ceiling = intents as f64 / direct_seconds;
    println!(
        "relayer: {intents} intents in {relayer_seconds:.2} s = {relayed:.0} intents/s; \
         direct sends: {ceiling:.0} tx/s; ratio {:.2}",
        relayed / ceiling
    );
}
