//! nexus-bounty through its real HTTP API and as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod bounties;
mod clock;
mod comments;
mod create;
mod helpers;
mod market;
mod me;
mod openapi;
mod read_model;
mod relayer;
mod scheduler;
mod settlement;
mod stakes;
mod wallets;

use nexus_bounty::BountyService;
use nexus_config::ServiceKind;
use nexus_testkit::lifecycle::{
    assert_binary_lifecycle, assert_binary_refuses_an_unknown_key,
    assert_in_process_lifecycle_probing,
};

/// With the default settings there is no chain to read: `/ready` probes it too and stays 200
/// (`degraded`), because requests are still accepted and queued without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle_probing::<BountyService>(&["chain"]).await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) =
        assert_binary_lifecycle(ServiceKind::Bounty, env!("CARGO_BIN_EXE_nexus-bounty")).await
    {
        panic!("{error}");
    }
}

/// A misspelt key in the service's own section stops the process at start (status 2, naming
/// the variable) instead of leaving a default silently in force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_an_unknown_key_in_its_own_section() {
    if let Err(error) = assert_binary_refuses_an_unknown_key(
        ServiceKind::Bounty,
        env!("CARGO_BIN_EXE_nexus-bounty"),
    )
    .await
    {
        panic!("{error}");
    }
}
