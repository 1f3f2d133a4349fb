//! The service describes its public API for the gateway's merged document.

use crate::helpers::spawn_auth;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_public_path_and_no_internal_one() {
    let auth = spawn_auth(|_| {}).await;
    let document: serde_json::Value = auth.get("/openapi.json", None).await.json().await.unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/v1/auth/login",
        "/v1/auth/login/mfa",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/auth/mfa/totp",
        "/v1/auth/mfa/totp/confirm",
        "/v1/auth/mfa/totp/disable",
        "/v1/api-keys",
        "/v1/api-keys/{key_id}",
        "/v1/authorize",
        "/v1/policies/validate",
        "/v1/policies",
        "/v1/audit",
        "/.well-known/jwks.json",
        "/.well-known/openid-configuration",
    ] {
        assert!(paths.contains_key(path), "{path} is not described");
    }
    assert!(paths.keys().all(|path| !path.starts_with("/internal")));
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for schema in ["LoginRequest", "LoginResponse", "TokenPair", "ErrorBody"] {
        assert!(schemas.contains_key(schema), "{schema} has no schema");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
