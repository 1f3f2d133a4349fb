//! Service authentication across processes: every `/internal/*` route of nexus-auth and
//! nexus-user refuses a caller without the service token, the services' own calls to each
//! other carry it (a sign-in goes auth → user; policy sync goes user → auth), and a process
//! holding another token is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use nexus_auth::AuthService;
use nexus_auth::settings::{AuthSettings, SigningAlgorithm};
use nexus_testkit::{TestContext, TestService};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The password nexus-user's policy accepts.
const PASSWORD: &str = "correct horse battery staple 42!";

/// A second, different service token (what a pod outside the platform would hold).
fn token_value() -> String {
    format!("another-service-token-{}", uuid::Uuid::now_v7().simple())
}

struct Pair {
    context: TestContext,
    user: TestService,
    auth: TestService,
    keys_dir: PathBuf,
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.keys_dir);
    }
}

/// nexus-user, then nexus-auth pointed at it; `auth_token` replaces auth's service token.
async fn start(auth_token: Option<String>) -> Pair {
    let context = TestContext::new().await.unwrap();
    let user = context.spawn::<nexus_user::UserService>().await.unwrap();
    let keys_dir =
        std::env::temp_dir().join(format!("nexus-svc-auth-{}", uuid::Uuid::now_v7().simple()));
    let mut settings = context.settings::<AuthSettings>();
    settings.service.user_url = user.base_url();
    settings.service.keys_dir = keys_dir.clone();
    settings.service.signing_algorithm = SigningAlgorithm::Eddsa;
    if let Some(token) = auth_token {
        settings.runtime.service_auth.tokens = vec![token.into()];
    }
    let auth = context.spawn_with::<AuthService>(settings).await.unwrap();
    Pair {
        context,
        user,
        auth,
        keys_dir,
    }
}

async fn register(pair: &Pair, username: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/users", pair.user.base_url()))
        .json(&json!({
            "email": format!("{username}@example.com"),
            "username": username,
            "password": PASSWORD,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn login(pair: &Pair, username: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", pair.auth.base_url()))
        .json(&json!({"login": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_internal_route_of_every_service_needs_the_service_token() {
    let pair = start(None).await;
    let user_id = uuid::Uuid::now_v7();
    let routes = [
        (
            &pair.auth,
            reqwest::Method::POST,
            "/internal/v1/api-keys/introspect".to_owned(),
            Some(json!({"key": "nxs_whatever"})),
        ),
        (
            &pair.auth,
            reqwest::Method::GET,
            "/internal/v1/policies/active".to_owned(),
            None,
        ),
        (
            &pair.user,
            reqwest::Method::POST,
            "/internal/v1/credentials/verify".to_owned(),
            Some(json!({"login": "nobody", "password": PASSWORD})),
        ),
        (
            &pair.user,
            reqwest::Method::GET,
            format!("/internal/v1/users/{user_id}"),
            None,
        ),
        (
            &pair.user,
            reqwest::Method::GET,
            format!("/internal/v1/ws-keys/{}", "ab".repeat(32)),
            None,
        ),
    ];
    let outsider = reqwest::Client::new();
    let insider = pair.context.service_http_client();
    for (service, method, path, body) in routes {
        let url = format!("{}{path}", service.base_url());
        let mut refused = outsider.request(method.clone(), &url);
        let mut allowed = insider.request(method.clone(), &url);
        if let Some(body) = &body {
            refused = refused.json(body);
            allowed = allowed.json(body);
        }
        let refused = refused.send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{path}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["code"], "service_authentication_required", "{path}");
        // With the token the route itself answers (a 401 `invalid_credentials` for an unknown
        // login is the route's own answer, not the guard's).
        let allowed = allowed.send().await.unwrap();
        let status = allowed.status();
        let answer: Value = allowed.json().await.unwrap_or(Value::Null);
        assert_ne!(
            answer["code"], "service_authentication_required",
            "{path}: {status} {answer}"
        );
        assert!(!status.is_server_error(), "{path}: {status} {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_carries_the_token_to_the_user_service_and_a_foreign_token_is_refused() {
    let pair = start(None).await;
    register(&pair, "ada").await;
    let (status, body) = login(&pair, "ada").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].as_str().is_some(), "{body}");

    // An auth service holding another token cannot check credentials with nexus-user.
    let foreign = start(Some(token_value())).await;
    register(&foreign, "bob").await;
    let (status, body) = login(&foreign, "bob").await;
    assert!(
        status.is_server_error(),
        "a refused internal call is an outage, not a wrong password: {status} {body}"
    );
    assert_ne!(body["code"], "invalid_credentials", "{body}");
}
