//! The bounty service's two dependencies of the write path, against the real services: nexus-user
//! answers which wallets an account linked (its internal API, service token only), and `/ready`
//! reports the chain without failing when it is down (requests are still accepted and queued).

use nexus_bounty::BountyService;
use nexus_bounty::settings::BountySettings;
use nexus_chain::settings::ChainSettings;
use nexus_proto::health::ReadinessReport;
use nexus_testkit::TestContext;
use nexus_testkit::nexus_client::{CallContext, ClientError, ServiceClient, UserClient};

use crate::market::Market;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nexus_user_lists_an_accounts_linked_wallets_to_services_only() {
    let market = Market::spawn().await;
    let ada = market.member("ada", &["user"]).await;
    let internal = UserClient::new(
        ServiceClient::new(
            "nexus-user",
            &market.user.base_url(),
            market.context.client_settings(),
        )
        .unwrap(),
    );
    let wallets = internal
        .wallets_of(&CallContext::none(), ada.id.parse().unwrap())
        .await
        .unwrap();
    let addresses: Vec<[u8; 20]> = wallets
        .wallets
        .iter()
        .map(|wallet| wallet.address.to_bytes())
        .collect();
    assert_eq!(addresses, vec![ada.address().into_array()]);

    // An unknown account is 404, not an empty list that would hide a wrong id.
    let unknown = internal
        .wallets_of(&CallContext::none(), uuid::Uuid::now_v7().into())
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, ClientError::Api { status, body, .. } if status.as_u16() == 404 && body.code == "user_not_found"),
        "{unknown:?}"
    );

    // Without the service token (a member's own token instead) the internal route refuses.
    let response = reqwest::Client::new()
        .get(format!(
            "{}/internal/v1/users/{}/wallets",
            market.user.base_url(),
            ada.id
        ))
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_chain_ready_says_degraded_and_stays_200() {
    let context = TestContext::new().await.unwrap();
    let mut settings = context.settings::<BountySettings>();
    settings.service.chain =
        ChainSettings::new("http://127.0.0.1:9", "/nonexistent/deployments.json");
    let service = context.spawn_with::<BountyService>(settings).await.unwrap();
    let response = reqwest::get(format!("{}/ready", service.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: ReadinessReport = response.json().await.unwrap();
    assert_eq!(report.status, "degraded", "{report:?}");
    let chain = report
        .checks
        .iter()
        .find(|check| check.name == nexus_chain::ready::DEPENDENCY_NAME)
        .expect("the chain is reported");
    assert!(!chain.ok);
    assert!(
        report
            .checks
            .iter()
            .filter(|check| check.name != chain.name)
            .all(|check| check.ok)
    );
    let report = service.running.shutdown().await;
    assert!(report.is_clean(), "{report:?}");
}
