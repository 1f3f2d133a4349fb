//! Every service serves its OpenAPI document at `/openapi.json` for the gateway to merge.

use nexus_testkit::TestContext;

use crate::probe::Probe;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_serves_its_openapi_document() {
    let context = TestContext::new().await.unwrap();
    let service = context.spawn::<Probe>().await.unwrap();

    let response = reqwest::get(format!("{}/openapi.json", service.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{document}"
    );
    // The probe runs as the bounty service and keeps the default document.
    assert_eq!(document["info"]["title"], "nexus-bounty");
    service.running.shutdown().await;
}
