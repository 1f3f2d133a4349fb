//! Rate limits: headers, 429, atomicity under concurrency, tiers, and the Redis-down policy.

use std::time::Duration;

use nexus_gateway::settings::Quota;
use nexus_testkit::TestContext;
use nexus_testkit::redis_server::RedisServer;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, http, metric, retry_after_seconds, settings};

fn hourly(burst: u32) -> Quota {
    Quota {
        requests: burst,
        period: Duration::from_secs(3600),
        burst,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_is_announced_and_enforced_with_429_and_retry_after() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.rate_limit.per_ip = hourly(3);
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/leaderboards", service.base_url());
    for remaining in ["2", "1", "0"] {
        let response = http().get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], remaining);
        assert!(response.headers().contains_key("ratelimit-reset"));
    }
    let refused = http().get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after = retry_after_seconds(refused.headers());
    assert!(
        retry_after > 1000,
        "one request per 20 minutes: {retry_after}"
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_requests_never_exceed_the_limit() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.rate_limit.per_ip = hourly(10);
    settings.runtime.server.workers = 2;
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/leaderboards", service.base_url());
    let client = http();
    let requests = (0..60).map(|_| {
        let client = client.clone();
        let url = url.clone();
        tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
    });
    let statuses = futures_util::future::join_all(requests).await;
    let passed = statuses
        .iter()
        .filter(|status| *status.as_ref().unwrap() == 200)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| *status.as_ref().unwrap() == 429)
        .count();
    assert_eq!(passed, 10, "exactly the burst passes");
    assert_eq!(refused, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn principals_are_limited_by_role_tier_on_top_of_their_address() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.rate_limit.per_ip = hourly(100);
    settings
        .service
        .rate_limit
        .per_role
        .insert("user".into(), hourly(2));
    settings
        .service
        .rate_limit
        .per_role
        .insert("analyst".into(), hourly(4));
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/leaderboards", service.base_url());
    let count = |token: String| {
        let url = url.clone();
        async move {
            let mut passed = 0;
            for _ in 0..6 {
                if http()
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    == 200
                {
                    passed += 1;
                }
            }
            passed
        }
    };
    assert_eq!(count(context.access_token("u-1", &["user"])).await, 2);
    assert_eq!(count(context.access_token("u-2", &["analyst"])).await, 4);
    assert_eq!(
        count(context.access_token("u-3", &["user"])).await,
        2,
        "each principal has its own budget"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_the_gateway_fails_open_to_a_local_limiter_and_counts_it() {
    let context = TestContext::new().await.unwrap();
    let mut redis = RedisServer::start().unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.runtime.redis.url = redis.url().into();
    settings.service.rate_limit.per_ip = hourly(3);
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/leaderboards", service.base_url());
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);

    redis.stop();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(http().get(&url).send().await.unwrap().status().as_u16());
    }
    assert_eq!(
        statuses,
        vec![200, 200, 200, 429, 429],
        "requests still flow, and the local limiter still enforces the quota"
    );
    let fallbacks = metric(&service, "nexus_gateway_rate_limit_fallback_total ").await;
    assert!(fallbacks >= 5.0, "{fallbacks}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_connection_attempts_have_their_own_quota_per_address() {
    use tokio_tungstenite::tungstenite::Error as WsError;
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.rate_limit.ws_connects_per_ip = hourly(2);
    let service = gateway(&context, settings).await;
    let url = format!("{}/ws", service.base_url().replace("http://", "ws://"));

    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(
            tokio_tungstenite::connect_async(url.as_str())
                .await
                .unwrap()
                .0,
        );
    }
    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    let Err(WsError::Http(response)) = refused else {
        panic!("the third upgrade within the hour must be refused: {refused:?}");
    };
    assert_eq!(response.status(), 429);
    let retry_after = retry_after_seconds(response.headers());
    assert!(
        retry_after > 1000,
        "one connection per 30 minutes: {retry_after}"
    );
    assert_eq!(response.headers()["ratelimit-remaining"], "0");
    let body: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
    assert_eq!(body["code"], "rate_limited");

    let api = get(&service, "/api/v1/leaderboards", None).await;
    assert_eq!(api.status(), 200, "REST requests are counted apart");
    drop(open);
}
