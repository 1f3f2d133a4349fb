//! Which calls are retried, counted on the server side.

use std::time::Duration;

use nexus_client::{CallContext, ClientError, ClientSettings, ServiceClient};
use reqwest::Method;
use serde_json::Value;

use crate::server::{TestServer, fast_settings};

#[tokio::test]
async fn only_idempotent_methods_are_retried_on_gateway_errors() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("scanner", &server.base_url, fast_settings()).unwrap();
    let cases = [
        (Method::GET, 3),
        (Method::PUT, 3),
        (Method::DELETE, 3),
        (Method::POST, 1),
        (Method::PATCH, 1),
    ];

    for (method, expected_hits) in cases {
        let path = "/status/503";
        let error = client
            .execute::<Value>(&CallContext::none(), method.clone(), path, None)
            .await
            .unwrap_err();

        assert_eq!(
            error.status().map(|status| status.as_u16()),
            Some(503),
            "{method}"
        );
        assert_eq!(
            server.hits(method.as_str(), path),
            expected_hits,
            "attempts of {method} {path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn other_errors_are_not_retried_even_for_get() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("scanner", &server.base_url, fast_settings()).unwrap();

    for path in ["/status/500", "/api-error", "/status/400"] {
        client
            .get::<Value>(&CallContext::none(), path)
            .await
            .unwrap_err();

        assert_eq!(server.hits("GET", path), 1, "attempts of GET {path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn get_succeeds_when_a_retry_does() {
    let server = TestServer::start().await;
    server
        .state
        .flaky_failures_left
        .store(2, std::sync::atomic::Ordering::SeqCst);
    let client = ServiceClient::new("scanner", &server.base_url, fast_settings()).unwrap();

    let answer: Value = client.get(&CallContext::none(), "/flaky").await.unwrap();

    assert_eq!(answer["ok"], true);
    assert_eq!(server.hits("GET", "/flaky"), 3);
    server.stop().await;
}

#[tokio::test]
async fn timeouts_are_retried_for_get_but_not_for_post() {
    let server = TestServer::start().await;
    let settings = ClientSettings {
        request_timeout: Duration::from_millis(500),
        ..fast_settings()
    };
    let client = ServiceClient::new("scanner", &server.base_url, settings).unwrap();

    let get_error = client
        .get::<Value>(&CallContext::none(), "/slow")
        .await
        .unwrap_err();
    let post_error = client
        .post::<_, Value>(&CallContext::none(), "/slow", &1)
        .await
        .unwrap_err();

    assert!(
        matches!(get_error, ClientError::Timeout { .. }),
        "{get_error:?}"
    );
    assert_eq!(get_error.code(), "upstream_timeout");
    assert!(
        matches!(post_error, ClientError::Timeout { .. }),
        "{post_error:?}"
    );
    assert_eq!(server.hits("GET", "/slow"), 3);
    assert_eq!(server.hits("POST", "/slow"), 1);
    server.stop().await;
}

#[tokio::test]
async fn unreachable_service_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = ServiceClient::new(
        "gone",
        &format!("http://127.0.0.1:{closed_port}"),
        fast_settings(),
    )
    .unwrap();

    let error = client
        .get::<Value>(&CallContext::none(), "/anything")
        .await
        .unwrap_err();

    assert!(matches!(error, ClientError::Connect { .. }), "{error:?}");
    assert_eq!(error.code(), "upstream_unreachable");
}
