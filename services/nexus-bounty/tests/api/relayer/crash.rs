//! A sender killed at the worst moments: its task aborted while it works (its lease connection
//! dies with it, as with SIGKILL), and the queue written exactly as a sender killed between
//! recording a transaction and broadcasting it, or just after broadcasting it, leaves it. Also
//! the key used outside the relayer, which takes a job's nonce.

use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder;
use alloy::primitives::{B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use nexus_bounty::relayer::{NewTransaction, TransactionStatus};
use nexus_bounty::store::Store;
use nexus_chain::deploy::confirm;

use super::Relay;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_killed_mid_work_and_restarted_loses_nothing_and_sends_nothing_twice() {
    let relay = Relay::start().await;
    let bounty_id = uuid::Uuid::now_v7();
    let mut ids = Vec::new();
    for amount in 1..=30 {
        let new = NewTransaction {
            bounty_id: Some(bounty_id),
            ..relay.approve(amount)
        };
        ids.push(relay.queue(new).await);
    }
    // Three senders killed while they work (each once it took jobs beyond the last one's),
    // then one left to finish.
    for round in 1..=3 {
        let (task, _shutdown) = relay.spawn_sender();
        let started = Instant::now();
        loop {
            let views = relay.store.bounty_transactions(bounty_id).await.unwrap();
            let taken = views
                .iter()
                .filter(|view| view.status != TransactionStatus::Queued)
                .count();
            if taken >= round * 6 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{views:#?}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        task.abort();
        let _ = task.await;
    }
    let unfinished = relay
        .store
        .bounty_transactions(bounty_id)
        .await
        .unwrap()
        .iter()
        .filter(|view| view.status != TransactionStatus::Confirmed)
        .count();
    assert!(unfinished > 0, "the kills came too late to test anything");
    let (task, shutdown) = relay.spawn_sender();

    let views = relay.until_all(&ids, TransactionStatus::Confirmed).await;

    assert_eq!(
        relay.mined_count().await,
        30,
        "exactly one transaction per job"
    );
    let mut hashes: Vec<B256> = views.iter().map(|view| view.tx_hash.unwrap()).collect();
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 30);
    assert_eq!(relay.allowance().await, U256::from(30));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_recorded_but_never_broadcast_before_a_crash_is_sent_byte_for_byte() {
    let relay = Relay::start().await;
    let new = relay.approve(9);
    let id = relay.queue(new.clone()).await;
    let record = relay.sign(&new, 0).await;
    let mut conn = relay.context.database.pool.acquire().await.unwrap();
    assert!(Store::record_signed(&mut conn, id, &record).await.unwrap());
    drop(conn);

    let (task, shutdown) = relay.spawn_sender();
    let view = relay
        .until_all(&[id], TransactionStatus::Confirmed)
        .await
        .remove(0);

    assert_eq!(
        view.tx_hash,
        Some(record.hash),
        "the recorded bytes, not a new signature"
    );
    assert_eq!(relay.mined_count().await, 1);
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_broadcast_just_before_a_crash_is_found_on_chain_not_sent_again() {
    let relay = Relay::start().await;
    let new = relay.approve(9);
    let id = relay.queue(new.clone()).await;
    let record = relay.sign(&new, 0).await;
    let mut conn = relay.context.database.pool.acquire().await.unwrap();
    assert!(Store::record_signed(&mut conn, id, &record).await.unwrap());
    drop(conn);
    let provider = relay.chain.provider().clone();
    let pending = provider.send_raw_transaction(&record.raw).await.unwrap();
    confirm(&provider, pending).await.unwrap();
    // A later job must get the next nonce, not the crashed job's.
    let later = relay.queue(relay.approve(10)).await;

    let (task, shutdown) = relay.spawn_sender();
    let views = relay
        .until_all(&[id, later], TransactionStatus::Confirmed)
        .await;

    assert_eq!(views[0].tx_hash, Some(record.hash));
    assert_eq!(relay.mined_count().await, 2);
    assert_eq!(relay.allowance().await, U256::from(10));
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_nonce_another_transaction_took_is_sent_again_with_the_next_one() {
    let relay = Relay::start().await;
    let new = relay.approve(4);
    let id = relay.queue(new.clone()).await;
    let record = relay.sign(&new, 0).await;
    let mut conn = relay.context.database.pool.acquire().await.unwrap();
    assert!(Store::record_signed(&mut conn, id, &record).await.unwrap());
    drop(conn);
    // The key used elsewhere: nonce 0 goes to a transaction the relayer never recorded.
    let elsewhere = TransactionRequest::default()
        .with_to(relay.spender())
        .with_value(U256::from(1u64));
    let pending = relay
        .chain
        .provider_for(&relay.signer)
        .unwrap()
        .send_transaction(elsewhere)
        .await
        .unwrap();
    confirm(relay.chain.provider(), pending).await.unwrap();

    let (task, shutdown) = relay.spawn_sender();
    let view = relay
        .until_all(&[id], TransactionStatus::Confirmed)
        .await
        .remove(0);

    assert_ne!(view.tx_hash, Some(record.hash), "signed again with nonce 1");
    assert_eq!(view.attempts, 1);
    assert_eq!(relay.mined_count().await, 2);
    assert_eq!(relay.allowance().await, U256::from(4));
    shutdown.cancel();
    task.await.unwrap();
}
