//! Revoked credentials at the gateway: account marks and revoked API keys announced on Redis
//! (or only stored there, as after a lost pub/sub message) are refused within seconds with
//! `token_revoked`; API keys act only within their scopes; failing credentials are limited per
//! address and stop reaching the auth service; the client address is asserted to upstreams.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nexus_bus::{Bus, BusSettings};
use nexus_proto::auth::IntrospectResponse;
use nexus_runtime::revocation::{self, RevocationReason, Revoked};
use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, http, send, settings};

async fn bus(context: &TestContext) -> Bus {
    Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap()
}

/// Polls `GET path` with `token` until it answers `status` or 10 s pass; returns the last body.
async fn eventually(
    service: &nexus_testkit::TestService,
    path: &str,
    token: &str,
    status: u16,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = get(service, path, Some(token)).await;
        let code = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if code == status || Instant::now() > deadline {
            assert_eq!(code, status, "{body}");
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_revocation_refuses_its_earlier_tokens_within_seconds_and_not_later_ones() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-revoked", &["user"]);
    let bystander = context.access_token("u-other", &["user"]);
    assert_eq!(
        get(&service, "/api/v1/bounties/1", Some(&token))
            .await
            .status(),
        200
    );

    tokio::time::sleep(Duration::from_millis(5)).await;
    revocation::publish(
        &bus(&context).await,
        &Revoked::account_now("u-revoked", RevocationReason::AccountDisabled),
    )
    .await
    .unwrap();

    let body = eventually(&service, "/api/v1/bounties/1", &token, 401).await;
    assert_eq!(body["code"], "token_revoked");
    // A token issued after the mark (a new sign-in) works, and nobody else is affected.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let fresh = context.access_token("u-revoked", &["user"]);
    assert_eq!(
        get(&service, "/api/v1/bounties/1", Some(&fresh))
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&service, "/api/v1/bounties/1", Some(&bystander))
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_whose_announcement_was_lost_takes_effect_at_the_next_resync() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut configured = settings(&context, &upstream.url);
    configured.service.revocation.resync_interval = Duration::from_millis(200);
    let service = gateway(&context, configured).await;
    let token = context.access_token("u-quiet", &["user"]);
    assert_eq!(
        get(&service, "/api/v1/bounties/1", Some(&token))
            .await
            .status(),
        200
    );

    tokio::time::sleep(Duration::from_millis(5)).await;
    // Stored without the pub/sub announcement, as if the message had been dropped.
    revocation::restore(
        &bus(&context).await,
        &[Revoked::account_now(
            "u-quiet",
            RevocationReason::RoleChanged,
        )],
    )
    .await
    .unwrap();

    let body = eventually(&service, "/api/v1/bounties/1", &token, 401).await;
    assert_eq!(body["code"], "token_revoked");
}

fn api_key_answer(token: String, key_id: uuid::Uuid, scopes: &[&str]) -> IntrospectResponse {
    IntrospectResponse {
        active: true,
        key_id: Some(key_id),
        user_id: Some(uuid::Uuid::now_v7()),
        roles: Some(vec!["user".into()]),
        scopes: Some(scopes.iter().map(|scope| (*scope).to_owned()).collect()),
        tier: None,
        access_token: Some(token),
        expires_in: Some(300),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_api_key_is_evicted_from_the_cache_and_refused() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let key_id = uuid::Uuid::now_v7();
    let mut claims = context.claims("k-holder", &["user"]);
    claims.amr = vec!["api_key".into()];
    claims.scope = Some("bounty:read".into());
    claims.api_key_id = Some(key_id.to_string());
    let answer = api_key_answer(context.sign(&claims), key_id, &["bounty:read"]);
    upstream
        .state
        .api_keys
        .lock()
        .unwrap()
        .insert("nxs_revoked_soon".into(), answer);
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let url = format!("{}/api/v1/bounties/1", service.base_url());
    let call = || {
        http()
            .get(&url)
            .header("x-api-key", "nxs_revoked_soon")
            .send()
    };
    assert_eq!(call().await.unwrap().status(), 200);
    assert_eq!(call().await.unwrap().status(), 200);
    assert_eq!(
        upstream.state.introspections.load(Ordering::SeqCst),
        1,
        "cached"
    );

    // Auth marks the key revoked in PostgreSQL (introspection now says inactive), then announces.
    upstream.state.api_keys.lock().unwrap().clear();
    revocation::publish(
        &bus(&context).await,
        &Revoked::api_key_now(key_id.to_string(), "k-holder"),
    )
    .await
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    let response = loop {
        let response = call().await.unwrap();
        if response.status() != 200 || Instant::now() > deadline {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["code"], "api_key_invalid",
        "introspected again: {body}"
    );
    assert_eq!(upstream.state.introspections.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_acts_only_within_its_scopes() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let key_id = uuid::Uuid::now_v7();
    let mut claims = context.claims("k-narrow", &["analyst"]);
    claims.amr = vec!["api_key".into()];
    claims.scope = Some("bounty:list user:read_private".into());
    claims.api_key_id = Some(key_id.to_string());
    let answer = api_key_answer(
        context.sign(&claims),
        key_id,
        &["bounty:list", "user:read_private"],
    );
    upstream
        .state
        .api_keys
        .lock()
        .unwrap()
        .insert("nxs_narrow".into(), answer);
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let with_key = |method: reqwest::Method, path: &str| {
        http()
            .request(method, format!("{}{path}", service.base_url()))
            .header("x-api-key", "nxs_narrow")
            .send()
    };

    assert_eq!(
        with_key(reqwest::Method::GET, "/api/v1/bounties")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        with_key(reqwest::Method::GET, "/api/v1/users/me")
            .await
            .unwrap()
            .status(),
        200
    );
    // An analyst's role would allow each of these; the key's scopes do not.
    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/files"),
        (reqwest::Method::POST, "/api/v1/bounties"),
        (reqwest::Method::POST, "/api/v1/users/me/wallets"),
        (reqwest::Method::POST, "/api/v1/users/me/ws-keys"),
        (reqwest::Method::POST, "/api/v1/api-keys"),
    ] {
        let response = with_key(method.clone(), path).await.unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "scope_insufficient", "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_credentials_are_limited_per_address_and_a_key_flood_stops_reaching_auth() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut configured = settings(&context, &upstream.url);
    configured.service.rate_limit.auth_failures_per_ip = nexus_gateway::settings::Quota {
        requests: 5,
        period: Duration::from_secs(3600),
        burst: 5,
    };
    let service = gateway(&context, configured).await;
    let url = format!("{}/api/v1/bounties/1", service.base_url());

    let mut statuses = Vec::new();
    for attempt in 0..40 {
        let key = format!("nxs_random_{attempt:040}");
        statuses.push(
            http()
                .get(&url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        statuses.iter().filter(|status| **status == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 429).count(),
        35,
        "{statuses:?}"
    );
    // Past the quota no key reaches the auth service.
    assert_eq!(upstream.state.introspections.load(Ordering::SeqCst), 5);
    // Bad bearer tokens count against the same quota.
    let forged = send(
        &service,
        reqwest::Method::GET,
        "/api/v1/bounties/1",
        Some("a.b.c"),
    )
    .await;
    assert_eq!(forged.status(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstreams_get_the_client_address_the_gateway_determined_never_the_clients_own() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let echoed: Value = http()
        .get(format!("{}/api/v1/bounties/1", service.base_url()))
        .header("x-nexus-client-ip", "203.0.113.66")
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        echoed["headers"]["x-nexus-client-ip"], "127.0.0.1",
        "{echoed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_held_marks_stay_in_force_and_a_stale_list_fails_closed() {
    let context = TestContext::new().await.unwrap();
    let mut redis = nexus_testkit::redis_server::RedisServer::start().unwrap();
    let upstream = Upstream::start().await;
    let mut configured = settings(&context, &upstream.url);
    configured.runtime.redis.url = redis.url().into();
    configured.service.revocation.resync_interval = Duration::from_millis(100);
    configured.service.revocation.max_staleness = Duration::from_secs(1);
    let service = gateway(&context, configured).await;
    let revoked = context.access_token("u-gone", &["user"]);
    let other = context.access_token("u-still", &["user"]);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let own_bus = Bus::connect(
        &redis.url(),
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    revocation::publish(
        &own_bus,
        &Revoked::account_now("u-gone", RevocationReason::AccountDisabled),
    )
    .await
    .unwrap();
    eventually(&service, "/api/v1/bounties/1", &revoked, 401).await;

    redis.stop();
    // What the instance holds stays in force; for a while the rest is served from memory...
    let body = eventually(&service, "/api/v1/bounties/1", &revoked, 401).await;
    assert_eq!(body["code"], "token_revoked");
    // ...until the copy is older than max_staleness: then signed-in requests fail closed.
    let body = eventually(&service, "/api/v1/bounties/1", &other, 503).await;
    assert_eq!(body["code"], "revocation_unavailable");
    // Guests are not affected (nothing to revoke).
    assert_eq!(
        get(&service, "/api/v1/bounties/1", None).await.status(),
        200
    );
}
