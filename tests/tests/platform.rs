//! The whole platform in one process, sharing one database and one Redis namespace as a real
//! deployment does, and one real chain (anvil with the contracts deployed, from nexus-testkit):
//! every service becomes ready (the chain-facing ones only with a reachable chain) and every one
//! shuts down cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nexus_proto::health::ReadinessReport;
use nexus_testkit::chain::TestChain;
use nexus_testkit::{TestContext, TestService};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_nine_services_become_ready_together_and_stop_cleanly() {
    let context = TestContext::new().await.unwrap();
    let chain = TestChain::shared().await.unwrap();
    let mut bounty = context.settings::<nexus_bounty::settings::BountySettings>();
    bounty.service.chain = chain.settings();
    let mut listener = context.settings::<nexus_chain_listener::settings::ChainListenerSettings>();
    listener.service.chain = chain.settings();
    let services: Vec<TestService> = vec![
        context
            .spawn::<nexus_gateway::GatewayService>()
            .await
            .unwrap(),
        context.spawn::<nexus_auth::AuthService>().await.unwrap(),
        context.spawn::<nexus_user::UserService>().await.unwrap(),
        context
            .spawn::<nexus_analysis::AnalysisService>()
            .await
            .unwrap(),
        context
            .spawn_with::<nexus_bounty::BountyService>(bounty)
            .await
            .unwrap(),
        context
            .spawn::<nexus_reputation::ReputationService>()
            .await
            .unwrap(),
        context
            .spawn::<nexus_notification::NotificationService>()
            .await
            .unwrap(),
        context
            .spawn::<nexus_scanner::ScannerService>()
            .await
            .unwrap(),
        context
            .spawn_with::<nexus_chain_listener::ChainListenerService>(listener)
            .await
            .unwrap(),
    ];
    for service in &services {
        let response = reqwest::get(format!("{}/ready", service.base_url()))
            .await
            .unwrap();
        let status = response.status();
        let report: ReadinessReport = response.json().await.unwrap();
        assert_eq!(
            status,
            200,
            "{} is not ready: {report:?}",
            service.kind.binary_name()
        );
        let health: serde_json::Value = reqwest::get(format!("{}/health", service.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["service"], service.kind.binary_name());
    }
    for service in services {
        let name = service.kind.binary_name();
        let report = service.running.shutdown().await;
        assert!(report.is_clean(), "{name} did not stop cleanly: {report:?}");
    }
}
