//! What the per-service clients add to the base: the caller's token, raw uploads and
//! downloads, and paths built from typed arguments.

use nexus_client::{CallContext, ClientError, ServiceClient};
use serde_json::Value;

use crate::server::{TestServer, fast_settings};

#[tokio::test]
async fn a_bearer_context_sends_the_token_and_debug_hides_it() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("echo", &server.base_url, fast_settings()).unwrap();
    let context = CallContext::bearer("tok-123").with_request_id("req-1");

    let echoed: Value = client.get(&context, "/echo").await.unwrap();
    let anonymous: Value = client.get(&CallContext::none(), "/echo").await.unwrap();

    assert_eq!(echoed["authorization"], "Bearer tok-123");
    assert_eq!(echoed["request_id"], "req-1");
    assert_eq!(anonymous["authorization"], Value::Null);
    assert!(!format!("{context:?}").contains("tok-123"));
    server.stop().await;
}

#[tokio::test]
async fn bytes_go_up_as_octet_stream_and_come_down_as_they_are() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("echo", &server.base_url, fast_settings()).unwrap();
    let context = CallContext::none();

    let uploaded: Value = client
        .post_bytes(&context, "/echo", vec![1, 2, 255])
        .await
        .unwrap();
    let downloaded = client.get_bytes(&context, "/bytes").await.unwrap();
    let refused = client.get_bytes(&context, "/api-error").await.unwrap_err();

    assert_eq!(uploaded["method"], "POST");
    assert_eq!(uploaded["content_type"], "application/octet-stream");
    assert_eq!(uploaded["body_bytes"], serde_json::json!([1, 2, 255]));
    assert_eq!(downloaded, vec![0, 159, 146, 150]);
    match refused {
        ClientError::Api { body, .. } => assert_eq!(body.code, "bounty_not_found"),
        other => panic!("expected an API error, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn text_arguments_stay_inside_their_path_segment() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("nexus-user", &server.base_url, fast_settings()).unwrap();

    let error = client
        .users()
        .unlink_wallet(&CallContext::none(), "0xab/../../me?x=1")
        .await
        .unwrap_err();

    assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
    assert_eq!(
        server.hits("DELETE", "/v1/users/me/wallets/0xab%2F..%2F..%2Fme%3Fx%3D1"),
        1
    );
    server.stop().await;
}
