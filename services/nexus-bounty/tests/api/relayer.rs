//! The relayer against a real chain (anvil) and a real PostgreSQL: NXS token calls (approve,
//! transfer) stand in for the bounty calls, since the queue stores a raw `to` + calldata.
//!
//! Here: order, idempotency, failures, the chain going away and replacement; the one sender per
//! key in `lease`. Crashes are in `crash` (the sender's task aborted mid-work, and the queue as a sender
//! killed at the worst moments leaves it) and `process` (the service's real process killed with
//! SIGKILL).

mod crash;
mod lease;
mod process;

use std::time::{Duration, Instant};

use alloy::eips::eip2718::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes, U256, keccak256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use nexus_bounty::relayer::fees::Fees;
use nexus_bounty::relayer::job::SignedRecord;
use nexus_bounty::relayer::{
    self, NewTransaction, RelayerSettings, TransactionId, TransactionStatus, TransactionView,
};
use nexus_bounty::store::Store;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::settings::ChainSettings;
use nexus_testkit::TestContext;
use nexus_testkit::chain::TestChain;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A chain of the test's own (stoppable) with the contracts, a database, and a relayer key
/// with ETH.
struct Relay {
    chain: TestChain,
    context: TestContext,
    store: Store,
    token: Address,
    signer: PrivateKeySigner,
    settings: RelayerSettings,
}

impl Relay {
    async fn start() -> Self {
        let chain = TestChain::private().await.unwrap();
        let token = chain.deployment().reputation_token;
        let signer = chain.account().await.unwrap().signer;
        let context = TestContext::new().await.unwrap();
        let store = Store::new(context.database.pool.clone()).unwrap();
        let settings = RelayerSettings {
            private_key: Some(alloy::hex::encode(signer.to_bytes()).into()),
            poll_interval: Duration::from_millis(50),
            stuck_timeout: Duration::from_secs(1),
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(1),
            breaker_failure_threshold: 2,
            breaker_open_duration: Duration::from_millis(300),
            ..RelayerSettings::default()
        };
        Self {
            chain,
            context,
            store,
            token,
            signer,
            settings,
        }
    }

    /// The one account approvals name (anvil's first dev account: the deployer).
    fn spender(&self) -> Address {
        self.chain.deployer()
    }

    /// Starts a sender (a task, as the runtime runs the worker) and returns it with its token.
    fn spawn_sender(&self) -> (JoinHandle<()>, CancellationToken) {
        self.spawn_sender_on(self.chain.settings())
    }

    /// [`Relay::spawn_sender`] reaching the node through `chain` (another URL to it).
    fn spawn_sender_on(&self, chain: ChainSettings) -> (JoinHandle<()>, CancellationToken) {
        let shutdown = CancellationToken::new();
        let run = relayer::run(
            self.store.clone(),
            self.settings.clone(),
            chain,
            shutdown.clone(),
        );
        let task = tokio::spawn(async move { run.await.expect("the relayer runs") });
        (task, shutdown)
    }

    /// An approve call of `amount` (always succeeds) under a fresh intent key.
    fn approve(&self, amount: u64) -> NewTransaction {
        let calldata = ReputationToken::approveCall {
            spender: self.spender(),
            value: U256::from(amount),
        }
        .abi_encode();
        NewTransaction {
            kind: "approve".into(),
            bounty_id: None,
            to: self.token,
            calldata: Bytes::from(calldata),
            idempotency_key: keccak256(uuid::Uuid::now_v7().as_bytes()),
        }
    }

    async fn queue(&self, new: NewTransaction) -> TransactionId {
        self.store.queue(new).await.unwrap()
    }

    async fn view(&self, id: TransactionId) -> TransactionView {
        self.store.transaction(id).await.unwrap().unwrap()
    }

    /// Waits until every job in `ids` has `status`.
    async fn until_all(
        &self,
        ids: &[TransactionId],
        status: TransactionStatus,
    ) -> Vec<TransactionView> {
        let started = Instant::now();
        loop {
            let mut views = Vec::new();
            for id in ids {
                views.push(self.view(*id).await);
            }
            if views.iter().all(|view| view.status == status) {
                return views;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not all {status:?}: {views:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Transactions the relayer key has had mined.
    async fn mined_count(&self) -> u64 {
        self.chain
            .provider()
            .get_transaction_count(self.signer.address())
            .await
            .unwrap()
    }

    async fn allowance(&self) -> U256 {
        ReputationToken::new(self.token, self.chain.provider().clone())
            .allowance(self.signer.address(), self.spender())
            .call()
            .await
            .unwrap()
    }

    /// Signs `new` with the relayer key at `nonce`, as a sender does before recording it.
    async fn sign(&self, new: &NewTransaction, nonce: u64) -> SignedRecord {
        let fees = Fees {
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000,
        };
        let gas_limit = 200_000;
        let envelope = TransactionRequest::default()
            .with_from(self.signer.address())
            .with_to(new.to)
            .with_input(new.calldata.clone())
            .with_chain_id(self.chain.chain_id())
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(u128::from(fees.max_fee_per_gas))
            .with_max_priority_fee_per_gas(u128::from(fees.max_priority_fee_per_gas))
            .build(&EthereumWallet::from(self.signer.clone()))
            .await
            .unwrap();
        SignedRecord {
            relayer: self.signer.address(),
            nonce,
            gas_limit,
            fees,
            hash: *envelope.tx_hash(),
            raw: Bytes::from(envelope.encoded_2718()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_go_out_in_queue_order_one_nonce_each_and_confirm() {
    let relay = Relay::start().await;
    let mut ids = Vec::new();
    for amount in 1..=5 {
        ids.push(relay.queue(relay.approve(amount)).await);
    }
    let (task, shutdown) = relay.spawn_sender();

    let views = relay.until_all(&ids, TransactionStatus::Confirmed).await;

    assert_eq!(relay.mined_count().await, 5);
    // anvil mines each transaction in its own block: increasing blocks are the queue order.
    let blocks: Vec<u64> = views
        .iter()
        .map(|view| view.block_number.unwrap())
        .collect();
    assert!(
        blocks.windows(2).all(|pair| pair[0] < pair[1]),
        "{blocks:?}"
    );
    assert_eq!(
        relay.allowance().await,
        U256::from(5),
        "the last queued approve won"
    );
    for view in &views {
        let receipt = relay
            .chain
            .provider()
            .get_transaction_receipt(view.tx_hash.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(receipt.status());
        assert_eq!(receipt.from, relay.signer.address(), "the relayer paid");
        assert_eq!((view.attempts, view.last_error.as_deref()), (0, None));
    }
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intent_queued_twice_is_one_job_sent_once() {
    let relay = Relay::start().await;
    let bounty_id = uuid::Uuid::now_v7();
    let new = NewTransaction {
        bounty_id: Some(bounty_id),
        ..relay.approve(7)
    };
    let first = relay.queue(new.clone()).await;
    // The second request arrives on the caller's own transaction, as a create-bounty would.
    let mut transaction = relay.context.database.pool.begin().await.unwrap();
    let second = Store::queue_transaction(&mut transaction, new)
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(first, second);

    let (task, shutdown) = relay.spawn_sender();
    relay
        .until_all(&[first], TransactionStatus::Confirmed)
        .await;

    assert_eq!(relay.mined_count().await, 1);
    let listed = relay.store.bounty_transactions(bounty_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, first);
    assert_eq!(listed[0].kind, "approve");
    assert!(listed[0].tx_hash.is_some());
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_reverts_fails_after_its_attempts_with_the_reason_and_sends_nothing() {
    let mut relay = Relay::start().await;
    relay.settings.max_attempts = 3;
    let calldata = ReputationToken::transferCall {
        to: relay.spender(),
        value: U256::from(1u64),
    }
    .abi_encode();
    let id = relay
        .queue(NewTransaction {
            kind: "transfer".into(),
            calldata: Bytes::from(calldata),
            ..relay.approve(0)
        })
        .await;
    let (task, shutdown) = relay.spawn_sender();

    let view = relay
        .until_all(&[id], TransactionStatus::Failed)
        .await
        .remove(0);

    assert_eq!(view.attempts, 3);
    let error = view.last_error.unwrap();
    assert!(error.starts_with("the call reverts"), "{error}");
    assert_eq!(view.tx_hash, None);
    assert_eq!(relay.mined_count().await, 0);
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queued_while_the_chain_is_down_wait_and_go_out_when_it_returns() {
    let mut relay = Relay::start().await;
    let (task, shutdown) = relay.spawn_sender();
    let before = relay.queue(relay.approve(1)).await;
    relay
        .until_all(&[before], TransactionStatus::Confirmed)
        .await;

    relay.chain.stop().unwrap();
    let mut ids = Vec::new();
    for amount in 2..=4 {
        ids.push(relay.queue(relay.approve(amount)).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in &ids {
        let view = relay.view(*id).await;
        assert_eq!(view.status, TransactionStatus::Queued, "{view:?}");
        assert_eq!(view.attempts, 0, "an unreachable node uses no attempt");
    }
    relay.chain.restart().await.unwrap();

    relay.until_all(&ids, TransactionStatus::Confirmed).await;
    assert_eq!(relay.mined_count().await, 4);
    assert_eq!(relay.allowance().await, U256::from(4));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_transaction_is_replaced_with_higher_fees_and_the_replacement_is_mined() {
    let relay = Relay::start().await;
    let () = relay
        .chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await
        .unwrap();
    let id = relay.queue(relay.approve(3)).await;
    let (task, shutdown) = relay.spawn_sender();
    let first = relay
        .until_all(&[id], TransactionStatus::Sent)
        .await
        .remove(0);
    let first_hash = first.tx_hash.unwrap();

    let started = Instant::now();
    while relay.view(id).await.tx_hash == Some(first_hash) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never replaced"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    relay.chain.mine(1).await.unwrap();

    let mined = relay
        .until_all(&[id], TransactionStatus::Confirmed)
        .await
        .remove(0);
    assert_ne!(mined.tx_hash, Some(first_hash), "the replacement was mined");
    assert_eq!(relay.mined_count().await, 1, "one nonce for the job");
    let original = relay
        .chain
        .provider()
        .get_transaction_receipt(first_hash)
        .await
        .unwrap();
    assert!(original.is_none(), "the original was never mined");
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_mined_but_reverted_fails_with_its_block_and_hash() {
    let relay = Relay::start().await;
    relay
        .chain
        .mint_nxs(relay.signer.address(), 1_000)
        .await
        .unwrap();
    // Both transfers estimate against the balance before either is mined; in one block, the
    // second finds the balance spent.
    let () = relay
        .chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let calldata = ReputationToken::transferCall {
            to: relay.spender(),
            value: U256::from(1_000u64),
        }
        .abi_encode();
        ids.push(
            relay
                .queue(NewTransaction {
                    kind: "transfer".into(),
                    calldata: Bytes::from(calldata),
                    ..relay.approve(0)
                })
                .await,
        );
    }
    let (task, shutdown) = relay.spawn_sender();
    relay.until_all(&ids, TransactionStatus::Sent).await;
    relay.chain.mine(1).await.unwrap();

    let first = relay
        .until_all(&ids[..1], TransactionStatus::Confirmed)
        .await;
    let second = relay
        .until_all(&ids[1..], TransactionStatus::Failed)
        .await
        .remove(0);
    let error = second.last_error.unwrap();
    assert!(error.contains("reverted on chain in block"), "{error}");
    assert!(
        error.contains(&second.tx_hash.unwrap().to_string()),
        "{error}"
    );
    assert_eq!(second.block_number, first[0].block_number);
    assert_eq!(
        relay.mined_count().await,
        2,
        "a reverted transaction used its nonce"
    );
    shutdown.cancel();
    task.await.unwrap();
}
