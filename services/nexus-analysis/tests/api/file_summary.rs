//! `GET /internal/v1/files/{sha256}/summary`: what nexus-reputation reads for the file verdict
//! (the detected type and the latest analysis' verdict hint and score), service token only; a
//! file the store does not hold is a 404 `file_not_found`.

use nexus_testkit::nexus_client::{CallContext, ClientError};

use crate::helpers::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_is_the_latest_analysis_and_needs_the_service_token() {
    let harness = Harness::start().await;
    let bytes = format!("summary sample {}", uuid::Uuid::now_v7()).into_bytes();
    let (_, accepted) = harness.upload_ok(bytes).await;
    let finished = harness.finished(accepted.analysis_id).await;
    let sha256 = accepted.sha256.clone();

    let summary = harness
        .api()
        .file_summary(&CallContext::none(), &sha256)
        .await
        .unwrap();
    assert_eq!(summary.verdict, finished.verdict, "{summary:?}");
    assert_eq!(summary.score, finished.score, "{summary:?}");
    assert!(summary.verdict.is_some(), "{summary:?}");
    let file = harness.file(sha256.as_str()).await;
    assert_eq!(summary.file_type, file.file_type, "{summary:?}");
    assert!(summary.file_type.is_some(), "{summary:?}");

    let missing: nexus_proto::Sha256 = "cd".repeat(32).parse().unwrap();
    match harness
        .api()
        .file_summary(&CallContext::none(), &missing)
        .await
    {
        Err(ClientError::Api { status, body, .. }) => {
            assert_eq!(
                (status.as_u16(), body.code.as_str()),
                (404, "file_not_found")
            );
        }
        other => panic!("expected a 404, got {other:?}"),
    }

    // Without the service token (an outsider): refused before the handler.
    let response = reqwest::get(harness.url(&format!("/internal/v1/files/{sha256}/summary")))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}
