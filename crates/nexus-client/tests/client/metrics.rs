//! Call metrics.

use nexus_client::{CallContext, ClientMetrics, ServiceClient};
use prometheus_client::registry::Registry;
use serde_json::Value;

use crate::server::{TestServer, fast_settings};

#[tokio::test]
async fn calls_are_counted_by_outcome_with_retries_and_durations() {
    let server = TestServer::start().await;
    let mut registry = Registry::default();
    let metrics = ClientMetrics::register(&mut registry);
    let client = ServiceClient::new("scanner", &server.base_url, fast_settings())
        .unwrap()
        .with_metrics(metrics);

    client
        .get::<Value>(&CallContext::none(), "/echo")
        .await
        .unwrap();
    client
        .get::<Value>(&CallContext::none(), "/status/503")
        .await
        .unwrap_err();

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    for expected in [
        r#"nexus_client_requests_total{service="scanner",method="GET",outcome="ok"} 1"#,
        r#"nexus_client_requests_total{service="scanner",method="GET",outcome="upstream_unexpected_response"} 1"#,
        r#"nexus_client_retries_total{service="scanner"} 2"#,
        r#"nexus_client_request_duration_seconds_count{service="scanner",method="GET"} 2"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    server.stop().await;
}
