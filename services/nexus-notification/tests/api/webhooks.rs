//! Webhooks end to end: a real receiver the test starts on 127.0.0.1 (allow-listed in the
//! fetcher's policy), the service's delivery worker driven by a manual clock (no sleeps through
//! the retry schedule), signatures checked by the Standard Webhooks project's own Python library.
#![allow(clippy::panic, clippy::needless_range_loop)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_notification::NotificationService;
use nexus_notification::domain::notice::{Notice, NoticeKind};
use nexus_notification::settings::NotificationSettings;
use nexus_notification::store::Store;
use nexus_notification::webhooks::clock::{ClockHandle, ManualClock};
use nexus_notification::webhooks::schedule::DELAYS;
use nexus_testkit::TestContext;
use nexus_testkit::webhook_receiver::{
    Received, WebhookReceiver as Receiver, verify_with_standard_webhooks,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use uuid::Uuid;

use nexus_testkit::TestService;

/// The service with webhook settings of the test's choosing and its context.
struct TestApp {
    service: TestService,
    context: TestContext,
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        drop(self.context);
    }
}

/// A service whose fetcher may reach the receiver's port on 127.0.0.1, driven by `clock`.
async fn spawn(
    receiver_port: Option<u16>,
    clock: Arc<ManualClock>,
    tune: impl FnOnce(&mut NotificationSettings),
) -> (TestApp, Store) {
    let context = TestContext::new().await.expect("test context");
    let mut settings = context.settings::<NotificationSettings>();
    let webhooks = &mut settings.service.webhooks;
    if let Some(port) = receiver_port {
        webhooks.allow = vec!["127.0.0.0/8".to_owned()];
        webhooks.allowed_ports = vec![port];
    }
    webhooks.poll_interval = Duration::from_millis(20);
    webhooks.timeout = Duration::from_secs(5);
    webhooks.jitter = 0.0;
    webhooks.clock = ClockHandle(clock);
    tune(&mut settings.service);
    let pool = sqlx::PgPool::connect(settings.runtime.database.url.expose_secret())
        .await
        .expect("test database");
    let store = Store::new(pool).expect("store");
    let service = context
        .spawn_with::<NotificationService>(settings)
        .await
        .expect("service starts");
    (TestApp { service, context }, store)
}

/// A manual clock a minute ahead of real time (messages are due at the database's `now()`).
fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at(Utc::now() + chrono::TimeDelta::minutes(1)))
}

fn notice(user_id: Uuid, kind: NoticeKind, n: u32) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        user_id,
        kind,
        title: format!("Notice {n}"),
        body: "Something happened.".to_owned(),
        link: None,
        data: json!({ "n": n }),
        source_event: Uuid::now_v7(),
        occurred_at: Utc::now(),
    }
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Waits (up to 20 s) until `done`; the deadline only stops a broken test from hanging.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let (status, page) = call(
        app,
        reqwest::Method::GET,
        &format!("/v1/webhooks/endpoints/{endpoint}/deliveries?limit=100"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// The Standard Webhooks reference library's verdict on each request under `secret` (the
/// testkit runs it). Its own check of the timestamp against the real clock (±5 min) is lifted:
/// the test's clock runs hours ahead; the signature check is the library's, unchanged.
fn verify_with_library(secret: &str, requests: &[Received]) -> Vec<String> {
    verify_with_standard_webhooks(secret, requests, true)
}

/// Waits (up to 20 s) until the endpoint's delivery log holds `n` attempts (recorded, not only
/// sent: the clock may move only after the worker has read it for the attempt).
async fn wait_for_log(app: &TestApp, token: &str, endpoint: &str, n: usize) {
    for _ in 0..1000 {
        if deliveries(app, token, endpoint).await.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {n} attempts in the log");
}

fn attempted_at(delivery: &Value) -> DateTime<Utc> {
    delivery["attempted_at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_hours_gets_every_event_once_at_the_schedules_times() {
    let receiver = Receiver::start(503).await;
    let clock = clock();
    let (app, store) = spawn(Some(receiver.port), Arc::clone(&clock), |_| {}).await;
    let user = Uuid::now_v7();
    let token = app.context.access_token(&user.to_string(), &["user"]);
    let (status, created) = call(&app, reqwest::Method::POST, "/v1/webhooks/endpoints", &token,
        Some(json!({ "url": receiver.url(), "description": "SOC", "event_types": ["bounty.resolved", "analysis.completed"] }))).await;
    assert_eq!(status, 201, "{created}");
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));

    // Three notices the filter admits, one it does not.
    let notices: Vec<Notice> = (0..3)
        .map(|n| {
            notice(
                user,
                if n == 1 {
                    NoticeKind::AnalysisCompleted
                } else {
                    NoticeKind::BountyResolved
                },
                n,
            )
        })
        .collect();
    for notice in &notices {
        assert_eq!(store.queue_webhook_messages(notice).await.unwrap(), 1);
    }
    assert_eq!(
        store
            .queue_webhook_messages(&notice(user, NoticeKind::Slashed, 9))
            .await
            .unwrap(),
        0
    );
    // Queuing the same notice again queues nothing.
    assert_eq!(store.queue_webhook_messages(&notices[0]).await.unwrap(), 0);

    // Down for the first four attempts (at once, +5 s, +5 min, +30 min), up for the fifth (+2 h).
    for attempt in 1..=5usize {
        wait_for_log(&app, &token, &endpoint, 3 * attempt).await;
        assert_eq!(receiver.count(), 3 * attempt);
        if attempt == 4 {
            receiver.answer(200);
        }
        if attempt < 5 {
            // One second short of the schedule's next time: nothing may be due yet...
            let delay = DELAYS.get(attempt).copied().expect("a next delay");
            clock.advance(delay - Duration::from_secs(1));
            let due_early = deliveries(&app, &token, &endpoint).await.len();
            assert_eq!(due_early, 3 * attempt, "an attempt before its time");
            // ...then exactly at it.
            clock.advance(Duration::from_secs(1));
        }
    }
    let log = deliveries(&app, &token, &endpoint).await;
    assert_eq!(log.len(), 15);
    assert_eq!(log.iter().filter(|d| d["delivered"] == true).count(), 3);

    // A barrier: one more notice after the deliveries and hours later; when it has arrived,
    // nothing else has (the delivered messages are not sent again).
    clock.advance(Duration::from_secs(10 * 3600));
    let last = notice(user, NoticeKind::BountyResolved, 4);
    store.queue_webhook_messages(&last).await.unwrap();
    wait_until("the barrier notice", || receiver.count() == 16).await;

    let requests = receiver.requests();
    for notice in &notices {
        let id = format!("msg_{}", notice.id.simple());
        let mine: Vec<&Received> = requests
            .iter()
            .filter(|r| r.headers["webhook-id"] == id)
            .collect();
        // Five attempts, all with the same webhook-id and body; four answered 503, one 200.
        assert_eq!(mine.len(), 5, "{id}");
        assert!(mine.iter().all(|r| r.body == mine[0].body));
        let body: Value = serde_json::from_str(&mine[0].body).unwrap();
        assert_eq!(body["type"], notice.kind.as_str());
        assert_eq!(body["data"]["notice_id"], notice.id.to_string());
        // The attempts' times, from the delivery log, follow the schedule to the second.
        let mut times: Vec<DateTime<Utc>> = log
            .iter()
            .filter(|d| d["webhook_id"] == id.as_str())
            .map(attempted_at)
            .collect();
        times.sort();
        let gaps: Vec<u64> = times
            .windows(2)
            .map(|w| (w[1] - w[0]).num_seconds() as u64)
            .collect();
        assert_eq!(gaps, vec![5, 300, 1800, 7200], "{id}");
        // webhook-timestamp is the attempt's own time.
        let stamps: Vec<i64> = mine
            .iter()
            .map(|r| r.headers["webhook-timestamp"].parse().unwrap())
            .collect();
        assert_eq!(
            stamps
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            5
        );
    }
    // Every request verifies with the library; a wrong secret verifies none.
    let verdicts = verify_with_library(&secret, &requests);
    assert_eq!(verdicts.len(), 16);
    assert!(verdicts.iter().all(|v| v == "ok"), "{verdicts:?}");
    let wrong = verify_with_library("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &requests[..2]);
    assert!(wrong.iter().all(|v| v.starts_with("fail")), "{wrong:?}");

    // Another user sees, changes, rotates, lists and replays nothing of this endpoint.
    let other = app
        .context
        .access_token(&Uuid::now_v7().to_string(), &["user"]);
    let message = log[0]["message_id"].as_str().unwrap();
    for (method, path, body) in [
        (
            reqwest::Method::GET,
            format!("/v1/webhooks/endpoints/{endpoint}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/v1/webhooks/endpoints/{endpoint}"),
            Some(json!({ "enabled": false })),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/webhooks/endpoints/{endpoint}/rotate-secret"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/webhooks/endpoints/{endpoint}/deliveries"),
            None,
        ),
        (
            reqwest::Method::DELETE,
            format!("/v1/webhooks/endpoints/{endpoint}"),
            None,
        ),
    ] {
        let (status, error) = call(&app, method.clone(), &path, &other, body).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (404, Some("webhook_endpoint_not_found")),
            "{method} {path}"
        );
    }
    let (status, error) = call(
        &app,
        reqwest::Method::POST,
        &format!("/v1/webhooks/messages/{message}/replay"),
        &other,
        None,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("webhook_message_not_found"))
    );
    let (status, listed) = call(
        &app,
        reqwest::Method::GET,
        "/v1/webhooks/endpoints",
        &other,
        None,
    )
    .await;
    assert_eq!(
        (status, listed["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    // The owner replays: the same webhook-id once more.
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("/v1/webhooks/messages/{message}/replay"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 202);
    wait_until("the replay", || receiver.count() == 17).await;
    let replayed = receiver.requests().pop().unwrap();
    assert_eq!(
        replayed.headers["webhook-id"],
        log[0]["webhook_id"].as_str().unwrap()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_rotation_both_secrets_verify_and_only_the_new_one_after_the_overlap() {
    let receiver = Receiver::start(200).await;
    let clock = clock();
    let (app, store) = spawn(Some(receiver.port), Arc::clone(&clock), |_| {}).await;
    let user = Uuid::now_v7();
    let token = app.context.access_token(&user.to_string(), &["user"]);
    let (_, created) = call(
        &app,
        reqwest::Method::POST,
        "/v1/webhooks/endpoints",
        &token,
        Some(json!({ "url": receiver.url() })),
    )
    .await;
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    let old = created["secret"].as_str().unwrap().to_owned();
    let (status, rotated) = call(
        &app,
        reqwest::Method::POST,
        &format!("/v1/webhooks/endpoints/{endpoint}/rotate-secret"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);

    store
        .queue_webhook_messages(&notice(user, NoticeKind::BountyOpened, 1))
        .await
        .unwrap();
    wait_until("the message during the overlap", || receiver.count() == 1).await;
    // After the 24 h overlap only the new secret signs.
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    store
        .queue_webhook_messages(&notice(user, NoticeKind::BountyOpened, 2))
        .await
        .unwrap();
    wait_until("the message after the overlap", || receiver.count() == 2).await;

    let requests = receiver.requests();
    assert_eq!(
        requests[0].headers["webhook-signature"].split(' ').count(),
        2
    );
    assert_eq!(
        requests[1].headers["webhook-signature"].split(' ').count(),
        1
    );
    assert_eq!(verify_with_library(&new, &requests), vec!["ok", "ok"]);
    let with_old = verify_with_library(&old, &requests);
    assert_eq!(with_old[0], "ok");
    assert!(with_old[1].starts_with("fail"), "{with_old:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_and_malformed_endpoint_urls_are_refused_at_creation() {
    // No allow-list: the production policy.
    let (app, _) = spawn(None, clock(), |_| {}).await;
    let token = app
        .context
        .access_token(&Uuid::now_v7().to_string(), &["user"]);
    for url in [
        "http://127.0.0.1/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://localhost/hook",
        "http://192.168.1.1/",
        "ftp://example.com/hook",
        "http://user@127.0.0.1/hook",
    ] {
        let (status, error) = call(
            &app,
            reqwest::Method::POST,
            "/v1/webhooks/endpoints",
            &token,
            Some(json!({ "url": url })),
        )
        .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some("webhook_url_forbidden")),
            "{url}: {error}"
        );
    }
    let (status, error) = call(
        &app,
        reqwest::Method::POST,
        "/v1/webhooks/endpoints",
        &token,
        Some(json!({ "url": "https://example.com/hook", "event_types": ["bounty.nonsense"] })),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_webhook_endpoint"))
    );
    let (status, error) = call(
        &app,
        reqwest::Method::POST,
        "/v1/webhooks/endpoints",
        &token,
        Some(json!({ "url": "not a url" })),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("invalid_webhook_endpoint"))
    );
    let (status, listed) = call(
        &app,
        reqwest::Method::GET,
        "/v1/webhooks/endpoints",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (status, listed["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    // Without a token: 401.
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(app.url("/v1/webhooks/endpoints"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_failing_for_the_configured_days_is_disabled_and_its_owner_told() {
    let receiver = Receiver::start(500).await;
    let clock = clock();
    let (app, store) = spawn(Some(receiver.port), Arc::clone(&clock), |settings| {
        settings.webhooks.disable_after_days = 1;
    })
    .await;
    let user = Uuid::now_v7();
    let token = app.context.access_token(&user.to_string(), &["user"]);
    let (_, created) = call(
        &app,
        reqwest::Method::POST,
        "/v1/webhooks/endpoints",
        &token,
        Some(json!({ "url": receiver.url() })),
    )
    .await;
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    store
        .queue_webhook_messages(&notice(user, NoticeKind::ReputationChanged, 1))
        .await
        .unwrap();
    // Through the whole schedule: the eighth attempt, 27 h 35 min after the first, is past the
    // one-day limit.
    for attempt in 1..=8usize {
        wait_for_log(&app, &token, &endpoint, attempt).await;
        if attempt < 8 {
            clock.advance(DELAYS.get(attempt).copied().expect("a next delay"));
        }
    }
    let mut disabled = Value::Null;
    for _ in 0..500 {
        let (_, view) = call(
            &app,
            reqwest::Method::GET,
            &format!("/v1/webhooks/endpoints/{endpoint}"),
            &token,
            None,
        )
        .await;
        if view["enabled"] == false {
            disabled = view;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(disabled["disabled_reason"], "failing", "{disabled}");
    let (status, inbox) = call(
        &app,
        reqwest::Method::GET,
        "/v1/notifications",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{inbox}");
    let kinds: Vec<&str> = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"webhook.disabled"), "{inbox}");
    let log = deliveries(&app, &token, &endpoint).await;
    assert_eq!(log.len(), 8);
    assert!(
        log.iter()
            .all(|d| d["status_code"] == 500 && d["error_code"] == "status_not_2xx")
    );
    assert_eq!(log[0]["response_excerpt"], "answered");
    app.stop().await;
}
