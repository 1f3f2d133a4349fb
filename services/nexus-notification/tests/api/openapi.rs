//! The service's public API document: served before any endpoint exists, so the gateway's
//! merged document and its clients see the service from the start.

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_names_the_service_and_lists_no_internal_path() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/openapi.json")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let document: serde_json::Value = response.json().await.unwrap();
    assert_eq!(document["info"]["title"], "nexus-notification");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.keys().all(|path| !path.starts_with("/internal")));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_path_is_a_json_404() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/v1/nothing-here")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["code"].is_string(), "{body}");
    app.stop().await;
}
