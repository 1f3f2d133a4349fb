//! The service describes its public API for the gateway's merged document.

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_public_path_and_no_internal_one() {
    let app = TestApp::spawn().await;
    let document: serde_json::Value = reqwest::get(app.url("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/v1/users",
        "/v1/users/me",
        "/v1/users/{id}",
        "/v1/users/{id}/role",
        "/v1/users/me/wallets",
        "/v1/users/me/wallets/challenge",
        "/v1/users/me/wallets/{address}",
        "/v1/users/me/ws-keys",
        "/v1/users/me/ws-keys/{key_id}",
        "/v1/users/me/referrals",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
    assert!(paths.keys().all(|path| !path.starts_with("/internal")));
    assert!(paths["/v1/users/me"]["patch"].is_object());
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in [
        "RegisterRequest",
        "PrivateProfile",
        "PublicProfile",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(schema), "{schema} has no schema");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    app.stop().await;
}
