//! Guests, API keys and Cedar decisions at the edge.

use std::sync::atomic::Ordering;
use std::time::Duration;

use nexus_proto::auth::IntrospectResponse;
use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, http, send, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_reach_public_routes_only_and_carry_no_identity() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let public: Value = get(&service, "/api/v1/bounties/7", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(public["headers"].get("authorization").is_none());

    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/scans"),
        (reqwest::Method::POST, "/api/v1/bounties"),
        (reqwest::Method::GET, "/api/v1/users/me"),
    ] {
        let response = send(&service, method.clone(), path, None).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "token_missing", "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cedar_denials_are_403_with_a_code_and_are_published_for_the_audit_log() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    // Writing rulesets is for analysts (the gateway decides creations fully; downloads depend
    // on the sample's uploaders and are decided by the analysis service).
    let rulesets = format!("{}/api/v1/rulesets", service.base_url());

    let user = context.access_token("u-1", &["user"]);
    let denied = http()
        .post(&rulesets)
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    let body: Value = denied.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    assert!(body["message"].as_str().unwrap().contains("ruleset:create"));

    let analyst = context.access_token("u-2", &["analyst"]);
    let allowed = http()
        .post(&rulesets)
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);

    // Role changes need a second factor, even for admins.
    let role = format!("{}/api/v1/users/u-5/role", service.base_url());
    let admin = context.access_token("a-1", &["admin"]);
    let without_mfa = http().put(&role).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(without_mfa.status(), 403);
    let mut claims = context.claims("a-1", &["admin"]);
    claims.amr = vec!["pwd".into(), "otp".into(), "mfa".into()];
    let with_mfa = http()
        .put(&role)
        .bearer_auth(context.sign(&claims))
        .send()
        .await
        .unwrap();
    assert_eq!(with_mfa.status(), 200);

    let client = redis::Client::open(context.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let stream = format!("{}nexus:auth:denials:v1", context.redis_prefix);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let entries = loop {
        let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .query_async(&mut connection)
            .await
            .unwrap();
        if entries.len() >= 2 || std::time::Instant::now() > deadline {
            break entries;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(entries.len(), 2, "one audit event per denial");
    let envelope = &entries[0]
        .1
        .iter()
        .find(|(field, _)| field == "envelope")
        .unwrap()
        .1;
    let envelope: Value = serde_json::from_str(envelope).unwrap();
    assert_eq!(envelope["name"], "AuthorizationDenied");
    assert_eq!(envelope["payload"]["principal"], "u-1");
    assert_eq!(envelope["payload"]["action"], "ruleset:create");
    assert_eq!(envelope["payload"]["service"], "nexus-gateway");
}

fn active_key(token: String) -> IntrospectResponse {
    IntrospectResponse {
        active: true,
        key_id: Some(uuid::Uuid::now_v7()),
        user_id: Some(uuid::Uuid::now_v7()),
        roles: Some(vec!["user".into()]),
        scopes: Some(vec!["bounty:list".into()]),
        tier: None,
        access_token: Some(token),
        expires_in: Some(300),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_are_introspected_once_and_swapped_for_the_minted_access_token() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut claims = context.claims("k-user", &["user"]);
    claims.amr = vec!["api_key".into()];
    // The listing's action, which the gateway checks the key's scopes for.
    claims.scope = Some("bounty:list".into());
    let minted = context.sign(&claims);
    upstream
        .state
        .api_keys
        .lock()
        .unwrap()
        .insert("nxs_good_key".into(), active_key(minted.clone()));
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let url = format!("{}/api/v1/bounties", service.base_url());

    for request in [
        http()
            .get(&url)
            .header("authorization", "ApiKey nxs_good_key"),
        http().get(&url).header("x-api-key", "nxs_good_key"),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let echo: Value = response.json().await.unwrap();
        assert_eq!(echo["headers"]["authorization"], format!("Bearer {minted}"));
        assert!(
            echo["headers"].get("x-api-key").is_none(),
            "the key never travels on"
        );
    }
    assert_eq!(
        upstream.state.introspections.load(Ordering::SeqCst),
        1,
        "the second request used the cache"
    );

    let unknown = http()
        .get(&url)
        .header("x-api-key", "nxs_unknown")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "api_key_invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_auth_service_makes_api_keys_a_503_not_a_pass() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.upstreams.insert(
        "auth".into(),
        url::Url::parse("http://127.0.0.1:9").unwrap(),
    );
    let service = gateway(&context, settings).await;
    let response = http()
        .get(format!("{}/api/v1/bounties", service.base_url()))
        .header("x-api-key", "nxs_any")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "auth_unavailable");
}
