//! A service that has just started and does not hold the auth service's signing keys yet
//! answers a valid token with 503 + `Retry-After` (never 401, which makes clients sign their
//! users out), and `/ready` stays 503, until the first JWKS fetch lands; likewise a service that
//! holds its keys but not yet the published Cedar policies, until their first fetch lands.

use std::time::Duration;

use nexus_testkit::TestContext;

use crate::document_server::DocumentServer;
use crate::probe::Probe;

async fn whoami(base_url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base_url}/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_gets_503_with_retry_after_until_the_keys_arrive_then_200() {
    let context = TestContext::new().await.unwrap();
    // The auth service's JWKS endpoint answers, but not with keys yet (as while it starts).
    let jwks = DocumentServer::start("/.well-known/jwks.json", serde_json::json!({"not": "keys"}));
    let mut settings = context.settings::<crate::probe::ProbeSettings>();
    settings.runtime.tokens.jwks = None;
    settings.runtime.tokens.jwks_url = Some(jwks.url.parse().unwrap());
    settings.runtime.tokens.min_refresh_interval = Duration::from_millis(300);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();
    let token = context.access_token("alice", &["user"]);

    let starting = whoami(&service.base_url(), &token).await;
    assert_eq!(starting.status().as_u16(), 503);
    let retry_after: u32 = starting
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = starting.json().await.unwrap();
    assert_eq!(body["code"], "auth_not_ready", "{body}");
    let ready = reqwest::get(format!("{}/ready", service.base_url()))
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    let report: serde_json::Value = ready.json().await.unwrap();
    assert!(
        report.to_string().contains("signing keys"),
        "the readiness report names what is missing: {report}"
    );
    // A request without a token is still simply unauthenticated.
    let anonymous = reqwest::get(format!("{}/v1/whoami", service.base_url()))
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // The keys are published: the refresher picks them up and the same token is accepted.
    jwks.set(context.tokens.jwks());
    let mut status = 0;
    for _ in 0..200 {
        status = whoami(&service.base_url(), &token).await.status().as_u16();
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200);
    let ready = reqwest::get(format!("{}/ready", service.base_url()))
        .await
        .unwrap();
    assert_eq!(ready.status().as_u16(), 200);

    service.running.shutdown().await;
    jwks.handle.stop(true).await;
}

/// Waits until `server` was fetched at least `count` times (the service has seen its answer).
async fn fetched_at_least(server: &DocumentServer, count: u32) {
    for _ in 0..400 {
        if server.fetch_count() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        server.fetch_count() >= count,
        "the service fetched the policies {} times, not {count}",
        server.fetch_count()
    );
}

/// `/ready` and its report.
async fn readiness(base_url: &str) -> (u16, String) {
    let ready = reqwest::get(format!("{base_url}/ready")).await.unwrap();
    (ready.status().as_u16(), ready.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holding_the_keys_but_not_the_published_policies_is_503_with_retry_after_never_401() {
    use nexus_policy::PolicySource;
    use nexus_runtime::policy_sync::ACTIVE_POLICIES_PATH;

    let context = TestContext::new().await.unwrap();
    // The signing keys are inline (held from the start); the auth service's policy endpoint
    // answers, but not with a policy set yet.
    let auth = DocumentServer::start(ACTIVE_POLICIES_PATH, serde_json::json!({"not": "policies"}));
    let mut settings = context.settings::<crate::probe::ProbeSettings>();
    assert!(settings.runtime.tokens.jwks.is_some(), "the keys are held");
    settings.runtime.policies.auth_url = Some(auth.base_url.parse().unwrap());
    settings.runtime.policies.resync_interval = Duration::from_secs(3600);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();
    let token = context.access_token("alice", &["user"]);

    // Wait until the service has asked at least twice (so it has seen the answer and retried).
    fetched_at_least(&auth, 2).await;
    let starting = whoami(&service.base_url(), &token).await;
    assert_eq!(
        starting.status().as_u16(),
        503,
        "never 401 for a valid token"
    );
    let retry_after: u32 = starting
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: serde_json::Value = starting.json().await.unwrap();
    assert_eq!(body["code"], "auth_not_ready", "{body}");
    let (status, report) = readiness(&service.base_url()).await;
    assert_eq!(status, 503);
    assert!(
        report.contains("published policies"),
        "the readiness report names what is missing: {report}"
    );
    assert!(
        !report.contains("signing keys"),
        "only the policies are missing: {report}"
    );

    // A published set that does not build keeps the gate shut (deciding with it is no better).
    auth.set(serde_json::json!({
        "version": 1, "digest": "broken",
        "sources": [PolicySource::new("broken.cedar", "permit(principal")],
    }));
    fetched_at_least(&auth, auth.fetch_count() + 2).await;
    assert_eq!(
        whoami(&service.base_url(), &token).await.status().as_u16(),
        503
    );
    assert_eq!(readiness(&service.base_url()).await.0, 503);

    // The set is published: the next fetch opens the gate and the same token is accepted.
    auth.set(serde_json::json!({
        "version": 1, "digest": "shipped", "sources": PolicySource::shipped(),
    }));
    let mut status = 0;
    for _ in 0..200 {
        status = whoami(&service.base_url(), &token).await.status().as_u16();
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200);
    assert_eq!(readiness(&service.base_url()).await.0, 200);

    service.running.shutdown().await;
    auth.handle.stop(true).await;
}
