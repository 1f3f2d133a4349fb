//! Client mistakes never trip an upstream's circuit breaker: aborted uploads and uploads over
//! the limit are the client's fault, so the next normal request still goes through.

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
