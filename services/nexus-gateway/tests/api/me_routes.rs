//! An account's own bounty views (`/api/v1/me/bounties`, `/assertions`, `/earnings`) reach the
//! bounty service, and only for a signed-in caller.

use nexus_testkit::TestContext;
use serde_json::Value;
use url::Url;

use crate::helpers::{Upstream, gateway, get, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_bounty_views_are_routed_to_the_bounty_service_for_signed_in_callers() {
    let context = TestContext::new().await.unwrap();
    let others = Upstream::start().await;
    let bounty = Upstream::start().await;
    let mut configured = settings(&context, &others.url);
    configured
        .service
        .upstreams
        .insert("bounty".to_owned(), Url::parse(&bounty.url).unwrap());
    let service = gateway(&context, configured).await;
    // Only the bounty service answers from now on: a 200 below can only come from it.
    others.stop().await;
    let token = context.access_token("u-1", &["user"]);
    for path in ["/v1/me/bounties", "/v1/me/assertions", "/v1/me/earnings"] {
        let response = get(&service, &format!("/api{path}?limit=5"), Some(&token)).await;
        assert_eq!(response.status(), 200, "{path}");
        let echo: Value = response.json().await.unwrap();
        assert_eq!(echo["path"], path);
        assert_eq!(echo["query"], "limit=5");

        let guest = get(&service, &format!("/api{path}"), None).await;
        assert_eq!(guest.status(), 401, "{path}");
    }
    let elsewhere = get(&service, "/api/v1/users/me", Some(&token)).await;
    assert_ne!(
        elsewhere.status(),
        200,
        "users are not the bounty service's"
    );
    bounty.stop().await;
}
