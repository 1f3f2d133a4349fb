//! The merged OpenAPI document and Swagger UI.

use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merged_document_publishes_routed_upstream_paths_under_api_and_never_internal_ones() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.upstreams.insert(
        "chain".into(),
        url::Url::parse("http://127.0.0.1:9").unwrap(),
    );
    // Answers, but its "document" has no paths (the upstream's catch-all echo).
    settings.service.upstreams.insert(
        "scanner".into(),
        url::Url::parse(&format!("{}/no-api-yet", upstream.url)).unwrap(),
    );
    let service = gateway(&context, settings).await;
    let document: Value = get(&service, "/api/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(
        paths.contains_key("/api/v1/presence"),
        "the gateway's own routes"
    );
    assert!(paths.contains_key("/ws"));
    assert!(
        paths.contains_key("/api/v1/bounties"),
        "an upstream's routed path"
    );
    assert!(
        paths.keys().all(|path| !path.contains("internal")),
        "{paths:?}"
    );
    assert!(!paths.contains_key("/api/v1/nobody-routes-this"));
    assert_eq!(
        document["components"]["schemas"]["Bounty"]["type"],
        "object"
    );
    assert_eq!(
        document["x-nexus-unavailable"],
        serde_json::json!(["chain"])
    );
    assert_eq!(
        document["x-nexus-without-api"],
        serde_json::json!(["scanner"])
    );

    let ui = get(&service, "/api/docs/", None).await;
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/api/docs", service.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
}
