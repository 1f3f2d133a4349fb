//! The life-cycle checks every service passes.

use nexus_config::ServiceKind;
use nexus_gateway::GatewayService;
use nexus_testkit::lifecycle::{assert_binary_lifecycle, assert_in_process_lifecycle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle::<GatewayService>().await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) =
        assert_binary_lifecycle(ServiceKind::Gateway, env!("CARGO_BIN_EXE_nexus-gateway")).await
    {
        panic!("{error}");
    }
}
