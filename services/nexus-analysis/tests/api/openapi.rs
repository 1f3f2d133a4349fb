//! The service describes its public API for the gateway's merged document.

use crate::helpers::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_public_path() {
    let harness = Harness::start().await;
    let (status, document) = harness.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/v1/files",
        "/v1/files/{sha256}",
        "/v1/files/{sha256}/similar",
        "/v1/files/{sha256}/download",
        "/v1/analyses/{id}",
        "/v1/rulesets",
        "/v1/retrohunts",
        "/v1/retrohunts/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
    assert_eq!(
        document["paths"]["/v1/files"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["application/octet-stream"]
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in [
        "UploadAccepted",
        "AnalysisView",
        "FileView",
        "RetrohuntView",
    ] {
        assert!(schemas.contains_key(schema), "{schema} has no schema");
    }
}
