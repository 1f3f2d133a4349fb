//! nexus-notification through its real HTTP API and as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod consumers;
mod email;
mod follows;
mod helpers;
mod inbox;
mod openapi;
mod preferences;
mod process_kills;
mod security;
mod unsubscribe;
mod webhooks;

use nexus_config::ServiceKind;
use nexus_notification::NotificationService;
use nexus_testkit::lifecycle::{
    assert_binary_lifecycle, assert_binary_refuses_an_unknown_key, assert_in_process_lifecycle,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle::<NotificationService>().await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) = assert_binary_lifecycle(
        ServiceKind::Notification,
        env!("CARGO_BIN_EXE_nexus-notification"),
    )
    .await
    {
        panic!("{error}");
    }
}

/// A misspelt key in the service's own section stops the process at start (status 2, naming
/// the variable) instead of leaving a default silently in force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_an_unknown_key_in_its_own_section() {
    if let Err(error) = assert_binary_refuses_an_unknown_key(
        ServiceKind::Notification,
        env!("CARGO_BIN_EXE_nexus-notification"),
    )
    .await
    {
        panic!("{error}");
    }
}
