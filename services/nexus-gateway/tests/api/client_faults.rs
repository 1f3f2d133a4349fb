//! Client mistakes never trip an upstream's circuit breaker: aborted uploads, uploads over the
//! limit and uploads whose client stalls past the route's timeout are the client's fault, so
//! the next normal request still goes through (on `/v1/bounties` and on the sample upload
//! `/v1/files`), while real upstream failures still open the circuit.

use std::time::Duration;

use nexus_testkit::TestContext;
use tokio::io::AsyncWriteExt;

use crate::helpers::{Upstream, gateway, get, http, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_aborted_and_five_oversized_uploads_leave_the_circuit_closed() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.retries = 0;
    // Two counted failures would open the circuit for a minute.
    settings.service.breaker_failure_threshold = 2;
    settings.service.breaker_open_duration = Duration::from_secs(60);
    settings.service.default_max_body_bytes = 64 * 1024;
    let service = gateway(&context, settings).await;
    let token = context.access_token("u-1", &["user"]);
    let address = service.running.http_addr();

    // Five uploads that announce 1 MiB, send 16 KiB and hang up.
    for _ in 0..5 {
        let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST /api/v1/bounties HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer {token}\r\n\
             content-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n"
        );
        connection.write_all(head.as_bytes()).await.unwrap();
        connection.write_all(&[7u8; 16 * 1024]).await.unwrap();
        connection.flush().await.unwrap();
        // Let the gateway start forwarding, then vanish.
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(connection);
    }
    // Five streamed uploads (no declared length) that grow past the route's limit.
    for _ in 0..5 {
        let chunks = futures_util::stream::iter(
            (0..16).map(|_| Ok::<_, std::io::Error>(vec![1u8; 16 * 1024])),
        );
        let response = http()
            .post(format!("{}/api/v1/bounties", service.base_url()))
            .bearer_auth(&token)
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await;
        if let Ok(response) = response {
            assert_eq!(response.status(), 413);
        }
    }

    let response = get(
        &service,
        "/api/v1/bounties/after-the-mistakes",
        Some(&token),
    )
    .await;
    assert_eq!(
        response.status(),
        200,
        "client mistakes opened the upstream's circuit"
    );
}

/// Sends the head of a `POST path` announcing `length` bytes and `sent` of them, then waits
/// `pause` before sending nothing more; returns the status line the gateway answered (empty
/// when it closed without one).
async fn slow_upload(
    address: std::net::SocketAddr,
    path: &str,
    token: &str,
    sent: usize,
    pause: Duration,
) -> String {
    use tokio::io::AsyncReadExt;

    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer {token}\r\n\
         content-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n"
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(&vec![7u8; sent]).await.unwrap();
    connection.flush().await.unwrap();
    // The client stalls past the route's timeout: the upload is still arriving.
    tokio::time::sleep(pause).await;
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(10), connection.read(&mut answer))
        .await
        .expect("the gateway answered or closed")
        .unwrap_or(0);
    String::from_utf8_lossy(&answer[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_aborted_sample_uploads_leave_the_analysis_circuit_closed() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.retries = 0;
    // Two counted failures would open the analysis upstream's circuit for a minute.
    settings.service.breaker_failure_threshold = 2;
    settings.service.breaker_open_duration = Duration::from_secs(60);
    for route in &mut settings.service.routes {
        if route.prefix == "/v1/files" {
            // The upstream must answer within 300 ms of the request starting.
            route.timeout = Some(Duration::from_millis(300));
        }
    }
    let service = gateway(&context, settings).await;
    let token = context.access_token("u-1", &["user"]);
    let address = service.running.http_addr();

    // Three uploads whose client stalls mid-body past the route's timeout: the gateway gives up
    // waiting (504), but the upstream was never the one that was slow.
    for _ in 0..3 {
        let status = slow_upload(
            address,
            "/api/v1/files",
            &token,
            16 * 1024,
            Duration::from_millis(900),
        )
        .await;
        assert!(status.contains(" 504 "), "{status:?}");
    }
    // Three uploads that hang up mid-body.
    for _ in 0..3 {
        let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST /api/v1/files HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer {token}\r\n\
             content-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n"
        );
        connection.write_all(head.as_bytes()).await.unwrap();
        connection.write_all(&[7u8; 16 * 1024]).await.unwrap();
        connection.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(connection);
    }

    // A whole upload still reaches the analysis service.
    let upload = http()
        .post(format!("{}/api/v1/files", service.base_url()))
        .bearer_auth(&token)
        .body(vec![1u8; 64 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(
        upload.status(),
        200,
        "client mistakes opened the analysis upstream's circuit"
    );
    let counted: serde_json::Value = upload.json().await.unwrap();
    assert_eq!(counted["bytes"], 64 * 1024);

    // The control: real upstream failures are counted and do open the circuit at two, so the
    // six client mistakes above would have opened it had they been counted.
    upstream.stop().await;
    for _ in 0..2 {
        let refused = http()
            .post(format!("{}/api/v1/files", service.base_url()))
            .bearer_auth(&token)
            .body(vec![1u8; 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 502);
    }
    let open = http()
        .post(format!("{}/api/v1/files", service.base_url()))
        .bearer_auth(&token)
        .body(vec![1u8; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 503);
    let error: serde_json::Value = open.json().await.unwrap();
    assert_eq!(error["code"], "upstream_unavailable", "{error}");
}
