//! `nexus_chain::ready::ChainDependency` against real anvil: ready on the fixture's chain, and
//! each way of not being ready reported with its code and without the RPC URL.

use std::time::Duration;

use nexus_chain::ready::{ChainDependency, ChainUnready, DEPENDENCY_NAME};
use nexus_chain::settings::ChainSettings;
use nexus_testkit::chain::TestChain;
use nexus_testkit::chain::anvil::AnvilNode;

fn dependency(settings: &ChainSettings) -> ChainDependency {
    ChainDependency::new(settings).unwrap()
}

/// A free loopback port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_fixture_chain_is_ready() {
    let chain = TestChain::shared().await.unwrap();
    let check = dependency(&chain.settings());
    assert_eq!(check.name(), DEPENDENCY_NAME);
    let ready = check.check().await.unwrap();
    assert_eq!(ready.chain_id, 31_337);
    assert_eq!(&ready.deployment, chain.deployment());
    assert!(ready.head >= chain.deployment().block_number);
    assert_eq!(check.probe().await, Ok(()));
}

#[tokio::test]
async fn a_missing_or_broken_deployments_file_is_named() {
    let chain = TestChain::shared().await.unwrap();
    let directory = std::env::temp_dir().join(format!("nexus-ready-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&directory).unwrap();

    let mut settings = chain.settings();
    settings.deployment_file = directory.join("missing.json");
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(unready.code(), "chain_deployment_missing");
    assert!(
        unready.to_string().contains("nexus-chain deploy"),
        "{unready}"
    );

    settings.deployment_file = directory.join("broken.json");
    std::fs::write(&settings.deployment_file, "{\"chainId\": 31337").unwrap();
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(unready.code(), "chain_deployment_invalid");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test]
async fn another_chain_id_in_the_settings_or_at_the_node_is_a_mismatch() {
    let chain = TestChain::shared().await.unwrap();
    let mut settings = chain.settings();
    settings.chain_id = Some(1);
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(
        unready,
        ChainUnready::ChainIdMismatch {
            expected: 1,
            expected_where: "chain.chain_id",
            found: 31_337,
            found_where: "the deployments file",
        }
    );

    // A node on another chain id, with the fixture's deployments file.
    let other = AnvilNode::start(&["--chain-id", "5"]).await.unwrap();
    let mut settings = chain.settings();
    settings.rpc_url = other.url.clone().into();
    settings.chain_id = None;
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(unready.code(), "chain_id_mismatch");
    assert!(
        unready.to_string().contains("the RPC node says 5"),
        "{unready}"
    );
}

/// A fresh anvil on the same chain id has none of the contracts: a reset chain is not ready.
#[tokio::test]
async fn a_chain_without_the_contracts_is_not_ready() {
    let chain = TestChain::shared().await.unwrap();
    let empty = AnvilNode::start(&[]).await.unwrap();
    let mut settings = chain.settings();
    settings.rpc_url = empty.url.clone().into();
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(unready.code(), "chain_contract_missing");
}

/// Nobody listening: unreachable, and the message carries no part of the URL's secret path.
#[tokio::test]
async fn an_unreachable_node_is_reported_without_its_url() {
    let chain = TestChain::shared().await.unwrap();
    let mut settings = chain.settings();
    settings.rpc_url = format!("http://127.0.0.1:{}/v3/secret-key-1234", closed_port()).into();
    let message = dependency(&settings).probe().await.unwrap_err();
    assert!(message.starts_with("chain_rpc_unreachable: "), "{message}");
    assert!(!message.contains("secret-key-1234"), "{message}");
}

/// A node that accepts connections and never answers: the request timeout decides.
#[tokio::test]
async fn a_node_that_never_answers_times_out() {
    let chain = TestChain::shared().await.unwrap();
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    // Accept and hold connections without reading or writing.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let mut settings = chain.settings();
    settings.rpc_url = format!("http://127.0.0.1:{port}").into();
    settings.request_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let unready = dependency(&settings).check().await.unwrap_err();
    assert_eq!(
        unready,
        ChainUnready::Timeout {
            timeout: Duration::from_millis(300)
        }
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    holder.abort();
}

/// A private chain stopped and restarted: not ready while down, ready again after.
#[tokio::test]
async fn readiness_follows_the_node_down_and_up() {
    let mut chain = TestChain::private().await.unwrap();
    let check = dependency(&chain.settings());
    assert!(check.check().await.is_ok());
    chain.stop().unwrap();
    assert_eq!(
        check.check().await.unwrap_err().code(),
        "chain_rpc_unreachable"
    );
    chain.restart().await.unwrap();
    assert!(check.check().await.is_ok());
}
