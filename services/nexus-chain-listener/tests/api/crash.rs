//! The real `nexus-chain-listener` binary (configured through the environment, as deployed)
//! killed with SIGKILL while it backfills a long range dense with events, then started again:
//! every event is in the outbox exactly once, and the second process resumes from the
//! checkpoint the first one committed instead of reading the range again.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nexus_testkit::TestContext;
use nexus_testkit::chain::TestChain;
use tokio::process::{Child, Command};

use crate::chain::{head, private_chain, stake_blocks, staked_positions};
use crate::helpers::outbox;

const LIMIT: Duration = Duration::from_secs(120);

/// A port free at the time of asking (the admin port, whose `/metrics` the test reads).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the service binary following `chain` into `context`'s database, two blocks a range
/// (many transactions, so a kill lands inside the backfill), its admin port at `admin_port`.
fn spawn_listener(chain: &TestChain, context: &TestContext, admin_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nexus-chain-listener"))
        .env("NEXUS_DATABASE__URL", &context.database.url)
        .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
        .env("NEXUS_REDIS__URL", &context.redis_url)
        .env("NEXUS_REDIS__KEY_PREFIX", &context.redis_prefix)
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env(
            "NEXUS_SERVER__ADMIN_ADDR",
            format!("127.0.0.1:{admin_port}"),
        )
        .env("NEXUS_SERVER__WORKERS", "1")
        .env("NEXUS_TOKENS__JWKS_URL", "")
        .env("NEXUS_POLICIES__AUTH_URL", "")
        .env("NEXUS_CHAIN_LISTENER__CHAIN__RPC_URL", chain.url())
        .env(
            "NEXUS_CHAIN_LISTENER__CHAIN__DEPLOYMENT_FILE",
            chain.deployment_file(),
        )
        .env("NEXUS_CHAIN_LISTENER__CHAIN__CONFIRMATIONS", "0")
        .env("NEXUS_CHAIN_LISTENER__MAX_BLOCK_RANGE", "2")
        .env("NEXUS_CHAIN_LISTENER__POLL_INTERVAL", "20ms")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the listener binary starts")
}

async fn signal(child: &Child, signal: &str) {
    let pid = child.id().expect("the listener is running");
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .await
        .unwrap();
    assert!(status.success());
}

/// The stored checkpoint's block number, if any.
async fn checkpoint(context: &TestContext) -> Option<i64> {
    sqlx::query_scalar!("SELECT block_number FROM chain.checkpoints")
        .fetch_optional(&context.database.pool)
        .await
        .unwrap()
}

/// The `Staked` events in the outbox, as the positions of their logs.
async fn staked_events(context: &TestContext) -> Vec<(String, u64)> {
    outbox(context)
        .await
        .into_iter()
        .filter(|(_, name, _)| name == "Staked")
        .map(|(_, _, payload)| {
            (
                payload["log"]["block_hash"].as_str().unwrap().to_owned(),
                payload["log"]["log_index"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `nexus_chain_blocks_total` of the process whose admin port is `port` (0 before it serves).
async fn blocks_read(port: u16) -> Option<f64> {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix("nexus_chain_blocks_total "))?;
    value.trim().parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_killed_with_sigkill_mid_backfill_and_restarted_publishes_every_event_exactly_once()
 {
    let chain = private_chain().await;
    stake_blocks(&chain, 120, 5).await;
    let expected: HashSet<(String, u64)> = staked_positions(&chain).await.into_iter().collect();
    assert_eq!(expected.len(), 600);
    let head = head(&chain).await;
    let context = TestContext::new().await.expect("test context");

    let mut first = spawn_listener(&chain, &context, free_port());
    let started = Instant::now();
    while staked_events(&context).await.len() < 100 {
        assert!(started.elapsed() < LIMIT, "the listener published nothing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    signal(&first, "-KILL").await;
    first.wait().await.unwrap();
    let killed_at = checkpoint(&context).await.expect("a checkpoint");
    let published = staked_events(&context).await.len();
    assert!(
        u64::try_from(killed_at).unwrap() < head && published < expected.len(),
        "the kill came after the backfill ({published} events, checkpoint {killed_at})"
    );

    let admin_port = free_port();
    let mut second = spawn_listener(&chain, &context, admin_port);
    let started = Instant::now();
    while checkpoint(&context).await != Some(i64::try_from(head).unwrap()) {
        assert!(
            started.elapsed() < LIMIT,
            "the restarted listener did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let events = staked_events(&context).await;
    let unique: HashSet<(String, u64)> = events.iter().cloned().collect();
    assert_eq!(unique.len(), events.len(), "an event was published twice");
    assert_eq!(unique, expected, "every Staked log became one event");
    // The second process read only what the first had not committed.
    let resumed = head - u64::try_from(killed_at).unwrap();
    let started = Instant::now();
    loop {
        let read = blocks_read(admin_port).await;
        if read == Some(resumed as f64) {
            break;
        }
        assert!(
            started.elapsed() < LIMIT,
            "the restart read {read:?} blocks, {resumed} were left after the checkpoint"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&second, "-TERM").await;
    let status = tokio::time::timeout(Duration::from_secs(30), second.wait())
        .await
        .expect("the listener stops on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
