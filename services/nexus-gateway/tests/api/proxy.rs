//! Routing, streaming, header hygiene, timeouts, retries, the circuit breaker, body limits,
//! CORS and security headers.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, http, retry_after_seconds, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_by_prefix_strip_api_and_keep_the_query() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-1", &["user"]);
    for (path, expected) in [
        ("/api/v1/bounties/7?page=2&x=%20y", "/v1/bounties/7"),
        ("/api/v1/leaderboards", "/v1/leaderboards"),
        ("/api/v1/auth/login", "/v1/auth/login"),
    ] {
        let echo: Value = get(&service, path, Some(&token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(echo["path"], expected, "{path}");
    }
    let echo: Value = get(&service, "/api/v1/bounties/7?page=2&x=%20y", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(echo["query"], "page=2&x=%20y");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_and_ambiguous_paths_are_never_routed() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-1", &["admin"]);
    for path in [
        "/api/internal/v1/api-keys/introspect",
        "/api/v1/internal/v1/users/1",
        "/api/v1/../internal/v1/users/1",
        "/api/v1/users/..%2F..%2Finternal%2Fv1%2Fusers",
        "/api/v1/users/%2e%2e/%2e%2e/internal/v1/users/1",
        "/api/v1/users//x",
        "/api/v2/users",
        "/internal/v1/users/1",
    ] {
        // reqwest normalises dot segments; send the raw path over a plain socket instead.
        let (status, body) = raw_get(&service.base_url(), path, &token).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("\"not_found\""), "{path}: {body}");
    }
}

/// A GET with the path exactly as given.
async fn raw_get(base_url: &str, path: &str, token: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hop_by_hop_and_internal_headers_are_stripped_and_forwarding_headers_set() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-1", &["user"]);
    let response = http()
        .get(format!("{}/api/v1/bounties/7", service.base_url()))
        .bearer_auth(&token)
        .header("connection", "keep-alive, x-hop-secret")
        .header("x-hop-secret", "1")
        .header("keep-alive", "timeout=5")
        .header("te", "trailers")
        .header("proxy-authorization", "Basic eA==")
        .header("x-nexus-user-id", "admin-1")
        .header("X-Nexus-Roles", "admin")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-request-id", "req-hygiene-1")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .header("x-custom", "kept")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "req-hygiene-1");
    let echo: Value = response.json().await.unwrap();
    let headers = echo["headers"].as_object().unwrap();
    for dropped in [
        "x-hop-secret",
        "keep-alive",
        "te",
        "proxy-authorization",
        "x-nexus-user-id",
        "x-nexus-roles",
    ] {
        assert!(
            !headers.contains_key(dropped),
            "{dropped} reached the upstream"
        );
    }
    assert_eq!(headers["x-custom"], "kept");
    assert_eq!(headers["x-request-id"], "req-hygiene-1");
    assert_eq!(
        headers["x-forwarded-for"], "127.0.0.1",
        "a client cannot plant addresses"
    );
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(headers["authorization"], format!("Bearer {token}"));
    let traceparent = headers["traceparent"].as_str().unwrap();
    assert!(
        traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
            && !traceparent.contains("00f067aa0ba902b7"),
        "the trace continues with the gateway's span: {traceparent}"
    );

    let response = get(&service, "/api/v1/bounties/hop", None).await;
    assert_eq!(response.headers()["x-kept"], "yes");
    // (A `Connection`-listed header cannot be tested end to end: actix writes its own
    // `Connection` header; `domain::headers` tests that listing.)
    assert!(response.headers().get("proxy-authenticate").is_none());
    assert!(response.headers().get("x-nexus-internal").is_none());
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_uploads_and_downloads_stream_with_flat_memory() {
    const SIZE: usize = 192 * 1024 * 1024;
    const CHUNK: usize = 256 * 1024;
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-1", &["analyst"]);
    let before = peak_rss_kib();

    let chunks = futures_util::stream::iter(
        (0..SIZE / CHUNK).map(|_| Ok::<_, std::io::Error>(vec![7u8; CHUNK])),
    );
    let response = http()
        .post(format!("{}/api/v1/files", service.base_url()))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let counted: Value = response.json().await.unwrap();
    assert_eq!(counted["bytes"], SIZE);

    let response = get(
        &service,
        &format!("/api/v1/files/abc/download?size={SIZE}"),
        Some(&token),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut received = 0usize;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        received += chunk.unwrap().len();
    }
    assert_eq!(received, SIZE);

    let grown_mib = (peak_rss_kib() - before) / 1024;
    assert!(
        grown_mib < 64,
        "moving 2 x 192 MiB raised the peak memory by {grown_mib} MiB: something buffers whole bodies"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_route_limit_are_refused_with_413() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.default_max_body_bytes = 1024;
    let service = gateway(&context, settings).await;
    let token = context.access_token("u-1", &["user"]);
    let declared = http()
        .post(format!("{}/api/v1/bounties", service.base_url()))
        .bearer_auth(&token)
        .body(vec![1u8; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 413);
    let body: Value = declared.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");

    let chunks =
        futures_util::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![1u8; 1024])));
    let chunked = http()
        .post(format!("{}/api/v1/bounties", service.base_url()))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_idempotent_requests_are_retried() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let token = context.access_token("u-1", &["user"]);
    let url = format!("{}/api/v1/bounties/flaky", service.base_url());

    upstream.state.failures_left.store(1, Ordering::SeqCst);
    let get = http().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(get.status(), 200, "the GET was retried after a 503");
    assert_eq!(upstream.state.flaky_calls.load(Ordering::SeqCst), 2);

    upstream.state.failures_left.store(1, Ordering::SeqCst);
    let post = http()
        .post(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 503, "a POST is never repeated");
    assert_eq!(upstream.state.flaky_calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_cut_at_the_route_timeout() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.default_timeout = Duration::from_millis(300);
    settings.service.retries = 0;
    let service = gateway(&context, settings).await;
    let response = get(&service, "/api/v1/bounties/slow", None).await;
    assert_eq!(response.status(), 504);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "upstream_timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_upstream_opens_the_circuit_with_503_then_recovers() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.retries = 0;
    settings.service.breaker_failure_threshold = 2;
    settings.service.breaker_open_duration = Duration::from_secs(1);
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/bounties/flaky", service.base_url());

    upstream.state.failures_left.store(1000, Ordering::SeqCst);
    for _ in 0..2 {
        let response = http().get(&url).send().await.unwrap();
        assert_eq!(
            response.status(),
            503,
            "the upstream's own 503 passes through"
        );
    }
    let calls = upstream.state.flaky_calls.load(Ordering::SeqCst);
    let refused = http().get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    let retry_after = retry_after_seconds(refused.headers());
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "upstream_unavailable");
    assert_eq!(
        upstream.state.flaky_calls.load(Ordering::SeqCst),
        calls,
        "an open circuit costs the upstream nothing"
    );

    upstream.state.failures_left.store(0, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = http().get(&url).send().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the circuit never closed again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_upstream_is_a_502_then_a_503() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let url = upstream.url.clone();
    upstream.stop().await;
    let mut settings = settings(&context, &url);
    settings.service.retries = 0;
    settings.service.breaker_failure_threshold = 1;
    let service = gateway(&context, settings).await;
    let first = get(&service, "/api/v1/leaderboards", None).await;
    assert_eq!(first.status(), 502);
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["code"], "upstream_failed");
    let second = get(&service, "/api/v1/leaderboards", None).await;
    assert_eq!(second.status(), 503);
    assert!(second.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_carry_security_headers_and_cors_admits_only_configured_origins() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.cors_allowed_origins = vec!["https://app.nexus.test".into()];
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/leaderboards", service.base_url());

    let response = http()
        .get(&url)
        .header("origin", "https://app.nexus.test")
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.nexus.test"
    );

    let preflight = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.nexus.test")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let foreign = http()
        .get(&url)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let not_found = get(&service, "/api/nothing", None).await;
    assert_eq!(not_found.status(), 404);
    assert_eq!(not_found.headers()["x-content-type-options"], "nosniff");
    let body: Value = not_found.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_gzipped_for_clients_that_accept_it() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway(&context, settings(&context, &upstream.url)).await;
    let url = format!("{}/api/openapi.json", service.base_url());

    let plain = http().get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(!plain.headers().contains_key("content-encoding"));
    let plain_length = plain.bytes().await.unwrap().len();

    let gzipped = http()
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gzipped_body = gzipped.bytes().await.unwrap();
    // The gzip magic number, and a JSON document shrinks.
    assert_eq!(&gzipped_body[..2], &[0x1f, 0x8b]);
    assert!(
        gzipped_body.len() < plain_length,
        "{} gzipped bytes for {plain_length} plain",
        gzipped_body.len()
    );
}

/// An upstream that answers every request with a `Content-Length` it does not honour: the
/// status line, headers and `sent` bytes of a 100-byte body, then it hangs up.
async fn truncating_upstream(sent: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&vec![b'x'; sent]).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_answer_cut_off_mid_body_is_a_502_not_a_truncated_200() {
    let context = TestContext::new().await.unwrap();
    let url = truncating_upstream(10).await;
    let mut settings = settings(&context, &url);
    settings.service.retries = 0;
    let service = gateway(&context, settings).await;
    let response = get(&service, "/api/v1/leaderboards", None).await;
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "upstream_failed");
}
