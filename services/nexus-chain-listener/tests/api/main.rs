//! nexus-chain-listener through its real HTTP API, against real PostgreSQL, Redis and anvil.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chain;
mod crash;
mod follower;
mod helpers;
mod ingest;
mod lease;
mod openapi;
mod proposals;
mod schema;
mod settlement;

use nexus_config::ServiceKind;
use nexus_testkit::lifecycle::assert_binary_refuses_an_unknown_key;
use serde_json::Value;

use crate::chain::private_chain;
use crate::helpers::{TestApp, settings_for};

/// The shared in-process lifecycle check expects exactly the runtime's probes; this service adds
/// `chain`, so the same steps are taken here with a chain to follow: ready with all four probes
/// green, `/metrics` served with the service's own families, a clean shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_with_its_chain_exposes_metrics_and_shuts_down_cleanly() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    let ready = reqwest::get(app.url("/ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let report: Value = ready.json().await.unwrap();
    let mut names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|check| check["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["chain", "postgres", "redis", "workers"]);
    let metrics = app.service.metrics_text().await.unwrap();
    assert!(metrics.contains("nexus_chain_head_lag_blocks"), "{metrics}");
    app.stop().await;
}

/// A misspelt key in the service's own section stops the process at start (status 2, naming
/// the variable) instead of leaving a default silently in force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_an_unknown_key_in_its_own_section() {
    if let Err(error) = assert_binary_refuses_an_unknown_key(
        ServiceKind::ChainListener,
        env!("CARGO_BIN_EXE_nexus-chain-listener"),
    )
    .await
    {
        panic!("{error}");
    }
}
