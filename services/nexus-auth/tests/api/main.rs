//! nexus-auth through its real HTTP API and as a real process, against real PostgreSQL and
//! Redis. Flows that need a real account (login, MFA login, refresh, lockout through the API)
//! are in the nexus-e2e crate's `identity` tests, which also start nexus-user.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_keys;
mod audit;
mod helpers;
mod keys;
mod mfa;
mod openapi;
mod policies;
mod security_events;

use nexus_auth::AuthService;
use nexus_config::ServiceKind;
use nexus_testkit::lifecycle::{assert_binary_lifecycle, assert_in_process_lifecycle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle::<AuthService>().await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) =
        assert_binary_lifecycle(ServiceKind::Auth, env!("CARGO_BIN_EXE_nexus-auth")).await
    {
        panic!("{error}");
    }
}
