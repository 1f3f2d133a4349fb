//! The node's life: stop and restart keep the state, a dropped node leaves no process, and a
//! missing anvil is a failure that says how to install it.

use std::time::Duration;

use alloy::primitives::U256;
use alloy::providers::Provider;
use nexus_testkit::chain::anvil::{ANVIL_VAR, AnvilNode, anvil_binary};
use nexus_testkit::chain::{NXS, TestChain};

/// Processes whose command line names `port` (anvil's `--port <port>`), from /proc.
fn processes_on_port(port: u16) -> Vec<u32> {
    let needle = format!("--port\0{port}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmdline| {
                    String::from_utf8_lossy(&cmdline).contains(&needle)
                        && !String::from_utf8_lossy(&cmdline).starts_with("sh\0")
                })
                .unwrap_or(false)
        })
        .collect()
}

/// An operator's stop and start of the private node keeps what happened on it; meanwhile the
/// node does not answer.
#[tokio::test]
async fn a_private_node_restarts_where_it_stopped() {
    let mut chain = TestChain::private().await.unwrap();
    let account = chain.funded_account(42 * NXS).await.unwrap();
    chain.mine(3).await.unwrap();
    let height = chain.block_number().await.unwrap();

    chain.stop().unwrap();
    assert!(chain.provider().get_block_number().await.is_err());
    chain.restart().await.unwrap();

    assert_eq!(chain.block_number().await.unwrap(), height);
    assert_eq!(
        chain.nxs_balance(account.address).await.unwrap(),
        U256::from(42 * NXS)
    );
    // And it keeps working: the deployer's nonce came back with the state.
    chain.mint_nxs(account.address, NXS).await.unwrap();
    assert_eq!(
        chain.nxs_balance(account.address).await.unwrap(),
        U256::from(43 * NXS)
    );
}

/// Dropping the node stops the anvil process, and the shared node cannot be stopped by one test.
#[tokio::test]
async fn a_dropped_node_leaves_no_anvil_behind() {
    let node = AnvilNode::start(&[]).await.unwrap();
    let port = node.port();
    assert_eq!(processes_on_port(port).len(), 1, "one anvil on {port}");
    drop(node);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !processes_on_port(port).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "anvil on {port} still runs"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut shared = TestChain::shared().await.unwrap();
    assert!(shared.stop().is_err());
}

/// The watchdog stops anvil when its owner dies without running any destructor (SIGKILL):
/// the owner here is a `sh` that holds the pipe, the way a test process does.
#[test]
fn anvil_stops_when_its_owner_is_killed() {
    let binary = anvil_binary().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The owner starts the kit's watchdog through this very test binary (see below) and sleeps.
    let mut owner = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "node::watchdog_owner",
            "--ignored",
            "--nocapture",
        ])
        .env("NEXUS_TESTKIT_OWNER_PORT", port.to_string())
        .env(ANVIL_VAR, &binary)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while processes_on_port(port).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "owner never started anvil"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    owner.kill().unwrap();
    owner.wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !processes_on_port(port).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "anvil on {port} outlived its killed owner"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Helper process of `anvil_stops_when_its_owner_is_killed` (ignored: it only runs when that
/// test starts it): starts anvil on the given port and waits to be killed.
#[tokio::test]
#[ignore = "started by anvil_stops_when_its_owner_is_killed"]
async fn watchdog_owner() {
    let Ok(port) = std::env::var("NEXUS_TESTKIT_OWNER_PORT") else {
        return;
    };
    let node = AnvilNode::start_on(port.parse().unwrap(), &[])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
    drop(node);
}

/// anvil refusing to start is a failure that carries what anvil said, not a timeout.
#[tokio::test]
async fn a_node_that_cannot_start_says_why() {
    let started = std::time::Instant::now();
    let error = AnvilNode::start(&["--no-such-flag"]).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("exited before answering"), "{message}");
    assert!(message.contains("--no-such-flag"), "{message}");
    assert!(message.lines().count() > 1, "anvil's own words: {message}");
    assert!(started.elapsed() < Duration::from_secs(15), "no timeout");
}

/// A node stopped as usual leaves no error file behind in the temporary directory.
#[tokio::test]
async fn a_stopped_node_leaves_no_files() {
    let node = AnvilNode::start(&[]).await.unwrap();
    let error_file = std::env::temp_dir().join(format!(
        "nexus-anvil-{}-{}.stderr",
        std::process::id(),
        node.port()
    ));
    assert!(
        error_file.exists(),
        "anvil's standard error goes to {error_file:?}"
    );
    drop(node);
    assert!(!error_file.exists(), "{error_file:?} left behind");
}
