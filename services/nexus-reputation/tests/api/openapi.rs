//! The service's public API document and error body: served before any endpoint exists, so the
//! gateway's merged document and its clients see the service from the start.

use nexus_testkit::lifecycle::assert_api_surface;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_document_and_an_unknown_path_answer_as_every_service_does() {
    let app = TestApp::spawn().await;
    if let Err(error) = assert_api_surface(&app.url(""), "nexus-reputation").await {
        panic!("{error}");
    }
    app.stop().await;
}
