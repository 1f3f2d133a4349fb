//! The relayer inside the real `nexus-bounty` process (registered by `workers.rs`, configured
//! through the environment as deployed), killed with SIGKILL while it sends and started again.

use std::process::Stdio;
use std::time::{Duration, Instant};

use alloy::primitives::{B256, U256};
use nexus_bounty::relayer::{NewTransaction, TransactionStatus};
use secrecy::ExposeSecret;
use tokio::process::{Child, Command};

use super::Relay;

/// Starts the service binary with the relayer's key on `relay`'s chain and database.
fn spawn_service(relay: &Relay) -> Child {
    let context = &relay.context;
    let key = relay.settings.private_key.as_ref().unwrap();
    Command::new(env!("CARGO_BIN_EXE_nexus-bounty"))
        .env("NEXUS_DATABASE__URL", &context.database.url)
        .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
        .env("NEXUS_REDIS__URL", &context.redis_url)
        .env("NEXUS_REDIS__KEY_PREFIX", &context.redis_prefix)
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__WORKERS", "1")
        .env("NEXUS_TOKENS__JWKS_URL", "")
        .env("NEXUS_POLICIES__AUTH_URL", "")
        .env("NEXUS_BOUNTY__CHAIN__RPC_URL", relay.chain.url())
        .env(
            "NEXUS_BOUNTY__CHAIN__DEPLOYMENT_FILE",
            relay.chain.deployment_file(),
        )
        .env("NEXUS_BOUNTY__CHAIN__CONFIRMATIONS", "0")
        .env("NEXUS_BOUNTY__RELAYER__PRIVATE_KEY", key.expose_secret())
        .env("NEXUS_BOUNTY__RELAYER__POLL_INTERVAL", "20ms")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the service binary starts")
}

async fn signal(child: &Child, signal: &str) {
    let pid = child.id().expect("the service is running");
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_killed_with_sigkill_mid_send_and_restarted_loses_nothing_and_sends_nothing_twice()
 {
    let relay = Relay::start().await;
    let bounty_id = uuid::Uuid::now_v7();
    let mut ids = Vec::new();
    for amount in 1..=40 {
        let new = NewTransaction {
            bounty_id: Some(bounty_id),
            ..relay.approve(amount)
        };
        ids.push(relay.queue(new).await);
    }
    let mut first = spawn_service(&relay);
    let started = Instant::now();
    loop {
        let views = relay.store.bounty_transactions(bounty_id).await.unwrap();
        let taken = views
            .iter()
            .filter(|view| view.status != TransactionStatus::Queued)
            .count();
        if taken >= 10 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service sent nothing: {views:#?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    signal(&first, "-KILL").await;
    first.wait().await.unwrap();
    let unfinished = relay
        .store
        .bounty_transactions(bounty_id)
        .await
        .unwrap()
        .iter()
        .filter(|view| view.status != TransactionStatus::Confirmed)
        .count();
    assert!(unfinished > 0, "the kill came too late to test anything");

    let mut second = spawn_service(&relay);
    let views = relay.until_all(&ids, TransactionStatus::Confirmed).await;

    assert_eq!(
        relay.mined_count().await,
        40,
        "exactly one transaction per job"
    );
    let mut hashes: Vec<B256> = views.iter().map(|view| view.tx_hash.unwrap()).collect();
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 40);
    assert_eq!(relay.allowance().await, U256::from(40));
    signal(&second, "-TERM").await;
    let status = tokio::time::timeout(Duration::from_secs(30), second.wait())
        .await
        .expect("the service stops on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
