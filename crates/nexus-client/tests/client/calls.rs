//! Typed calls, header propagation and error decoding.

use nexus_client::{CallContext, ClientError, ServiceClient};
use serde_json::{Value, json};

use crate::server::{TestServer, fast_settings};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test]
async fn calls_send_and_decode_json_and_propagate_the_call_context() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("echo", &server.base_url, fast_settings()).unwrap();
    let context = CallContext::none()
        .with_request_id("req-42")
        .with_traceparent(TRACEPARENT)
        .with_tracestate("nexus=1");

    let got: Value = client.get(&context, "/echo").await.unwrap();
    let posted: Value = client
        .post(&context, "echo", &json!({ "sample": 7 }))
        .await
        .unwrap();
    let patched: Value = client
        .patch(&CallContext::none(), "/echo", &json!([1, 2]))
        .await
        .unwrap();

    assert_eq!(got["method"], "GET");
    assert_eq!(got["request_id"], "req-42");
    assert_eq!(got["traceparent"], TRACEPARENT);
    assert_eq!(got["tracestate"], "nexus=1");
    assert_eq!(posted["method"], "POST");
    assert_eq!(posted["body"], json!({ "sample": 7 }));
    assert_eq!(posted["content_type"], "application/json");
    assert_eq!(patched["method"], "PATCH");
    assert_eq!(
        patched["request_id"],
        Value::Null,
        "an empty context sends no request id"
    );
    server.stop().await;
}

#[tokio::test]
async fn error_body_is_decoded_into_an_api_error() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("bounty", &server.base_url, fast_settings()).unwrap();

    let error = client
        .get::<Value>(&CallContext::none().with_request_id("req-7"), "/api-error")
        .await
        .unwrap_err();

    let ClientError::Api {
        status,
        body,
        service,
    } = &error
    else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(status.as_u16(), 404);
    assert_eq!(service, "bounty");
    assert_eq!(body.code, "bounty_not_found");
    assert_eq!(body.request_id, "req-7");
    assert_eq!(error.code(), "upstream_api_error");
    server.stop().await;
}

#[tokio::test]
async fn non_json_error_is_an_unexpected_response_with_a_short_snippet() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("bounty", &server.base_url, fast_settings()).unwrap();

    let error = client
        .get::<Value>(&CallContext::none(), "/html-error")
        .await
        .unwrap_err();

    let ClientError::UnexpectedResponse {
        status, snippet, ..
    } = &error
    else {
        panic!("expected an unexpected response, got {error:?}")
    };
    assert_eq!(status.as_u16(), 500);
    assert!(snippet.starts_with("<html>xxx"), "{snippet}");
    assert!(
        snippet.chars().count() <= 201,
        "snippet of {} chars",
        snippet.chars().count()
    );
    assert_eq!(error.code(), "upstream_unexpected_response");
    server.stop().await;
}

#[tokio::test]
async fn empty_success_body_decodes_as_unit_and_undecodable_success_is_a_decode_error() {
    let server = TestServer::start().await;
    let client = ServiceClient::new("bounty", &server.base_url, fast_settings()).unwrap();

    let deleted: Result<(), ClientError> = client.delete(&CallContext::none(), "/no-content").await;
    let not_json = client
        .get::<Value>(&CallContext::none(), "/not-json")
        .await
        .unwrap_err();

    deleted.unwrap();
    assert_eq!(not_json.code(), "upstream_decode_failed");
    assert_eq!(not_json.status().map(|status| status.as_u16()), Some(200));
    server.stop().await;
}

#[tokio::test]
async fn the_service_token_goes_with_internal_calls_only() {
    let server = TestServer::start().await;
    let token = "a-service-token-of-at-least-32-chars";
    let settings = nexus_client::ClientSettings {
        service_token: Some(nexus_client::ServiceToken::new(
            secrecy::SecretString::from(token.to_owned()),
        )),
        ..fast_settings()
    };
    let client = ServiceClient::new("echo", &server.base_url, settings).unwrap();

    let internal: Value = client
        .get(&CallContext::none(), "/internal/v1/echo")
        .await
        .unwrap();
    let public: Value = client.get(&CallContext::none(), "/echo").await.unwrap();
    let without: Value = ServiceClient::new("echo", &server.base_url, fast_settings())
        .unwrap()
        .get(&CallContext::none(), "/internal/v1/echo")
        .await
        .unwrap();

    assert_eq!(internal["service_token"], token);
    assert_eq!(public["service_token"], Value::Null);
    assert_eq!(without["service_token"], Value::Null);
}
