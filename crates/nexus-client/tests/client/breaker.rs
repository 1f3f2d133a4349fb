//! The circuit breaker against a real server.

use std::sync::atomic::Ordering;
use std::time::Duration;

use nexus_client::{CallContext, CircuitState, ClientError, ClientSettings, ServiceClient};
use serde_json::Value;
use tokio::time::Instant;

use crate::server::{TestServer, fast_settings};

/// Longest bounded wait of these tests.
const WAIT_LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn breaker_opens_refuses_without_network_and_recovers_through_one_trial() {
    let server = TestServer::start().await;
    let settings = ClientSettings {
        retries: 0,
        breaker_failure_threshold: 3,
        breaker_open_duration: Duration::from_millis(300),
        ..fast_settings()
    };
    let client = ServiceClient::new("reputation", &server.base_url, settings).unwrap();
    let context = CallContext::none();
    server.state.unhealthy.store(true, Ordering::SeqCst);

    for _ in 0..3 {
        let error = client.get::<Value>(&context, "/toggle").await.unwrap_err();
        assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    }
    let state_after_failures = client.circuit_state();
    let refused = client.get::<Value>(&context, "/toggle").await.unwrap_err();
    let hits_while_open = server.hits("GET", "/toggle");
    server.state.unhealthy.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + WAIT_LIMIT;
    let recovered: Value = loop {
        match client.get::<Value>(&context, "/toggle").await {
            Ok(answer) => break answer,
            Err(ClientError::CircuitOpen { .. }) => {
                assert!(
                    Instant::now() < deadline,
                    "the breaker did not half-open within {WAIT_LIMIT:?}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(other) => panic!("the trial call failed: {other:?}"),
        }
    };

    assert_eq!(state_after_failures, CircuitState::Open);
    assert!(
        matches!(refused, ClientError::CircuitOpen { .. }),
        "{refused:?}"
    );
    assert_eq!(refused.code(), "upstream_circuit_open");
    assert_eq!(
        hits_while_open, 3,
        "an open circuit must not touch the network"
    );
    assert_eq!(recovered["ok"], true);
    assert_eq!(
        server.hits("GET", "/toggle"),
        4,
        "exactly one trial call went through"
    );
    assert_eq!(client.circuit_state(), CircuitState::Closed);
    server.stop().await;
}

#[tokio::test]
async fn client_errors_do_not_open_the_breaker() {
    let server = TestServer::start().await;
    let settings = ClientSettings {
        breaker_failure_threshold: 2,
        ..fast_settings()
    };
    let client = ServiceClient::new("bounty", &server.base_url, settings).unwrap();

    for _ in 0..4 {
        let error = client
            .get::<Value>(&CallContext::none(), "/api-error")
            .await
            .unwrap_err();
        assert!(matches!(error, ClientError::Api { .. }), "{error:?}");
    }

    assert_eq!(client.circuit_state(), CircuitState::Closed);
    assert_eq!(server.hits("GET", "/api-error"), 4);
    server.stop().await;
}

#[tokio::test]
async fn clones_share_one_breaker() {
    let server = TestServer::start().await;
    let settings = ClientSettings {
        retries: 0,
        breaker_failure_threshold: 1,
        ..fast_settings()
    };
    let client = ServiceClient::new("bounty", &server.base_url, settings).unwrap();
    let clone = client.clone();

    client
        .get::<Value>(&CallContext::none(), "/status/503")
        .await
        .unwrap_err();
    let error = clone
        .get::<Value>(&CallContext::none(), "/status/503")
        .await
        .unwrap_err();

    assert!(
        matches!(error, ClientError::CircuitOpen { .. }),
        "{error:?}"
    );
    assert_eq!(server.hits("GET", "/status/503"), 1);
    server.stop().await;
}
