//! Ed25519 WebSocket keys: register (hex, base64), reject malformed and weak keys, list,
//! revoke, and the gateway's internal lookup.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use nexus_core::hex::encode as hex;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

fn public_key(seed: u8) -> [u8; 32] {
    SigningKey::from_bytes(&[seed; 32])
        .verifying_key()
        .to_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hex_and_base64_keys_register_and_the_gateway_finds_their_owner() {
    let app = TestApp::spawn().await;
    let (ada, token) = app.signed_up("ada").await;

    let (status, by_hex) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/ws-keys",
            Some(json!({"public_key": hex(&public_key(1)).to_uppercase(), "label": "laptop"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{by_hex}");
    assert_eq!(by_hex["public_key_hex"], hex(&public_key(1)));
    for encoded in [
        STANDARD.encode(public_key(2)),
        URL_SAFE_NO_PAD.encode(public_key(3)),
    ] {
        let (status, key) = app
            .call_as(
                &token,
                Method::POST,
                "/v1/users/me/ws-keys",
                Some(json!({"public_key": encoded})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
    }

    let (_, list) = app
        .call_as(&token, Method::GET, "/v1/users/me/ws-keys", None)
        .await;
    assert_eq!(list["keys"].as_array().unwrap().len(), 3);
    assert_eq!(list["keys"][0]["label"], "laptop");

    let (status, owner) = app
        .get(&format!("/internal/v1/ws-keys/{}", hex(&public_key(2))))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(owner["user_id"], ada);
    assert_eq!(owner["roles"], json!(["user"]));
    assert_eq!(owner["key_id"], list["keys"][1]["key_id"]);

    let (status, error) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/ws-keys",
            Some(json!({"public_key": hex(&public_key(1))})),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::CONFLICT, Some("ws_key_taken"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_weak_keys_are_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;
    let mut identity = [0_u8; 32];
    identity[0] = 1;
    let mut not_a_point = [0_u8; 32];
    not_a_point[0] = 2;

    let cases = [
        ("zz".repeat(32), "malformed_key"),
        (hex(&public_key(1)[..31]), "malformed_key"),
        (STANDARD.encode([7_u8; 33]), "malformed_key"),
        (hex(&not_a_point), "malformed_key"),
        ("x".repeat(500), "malformed_key"),
        (hex(&identity), "weak_key"),
        (STANDARD.encode(identity), "weak_key"),
    ];
    for (key, code) in cases {
        let (status, error) = app
            .call_as(
                &token,
                Method::POST,
                "/v1/users/me/ws-keys",
                Some(json!({"public_key": key})),
            )
            .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{key}"
        );
    }
    let (_, list) = app
        .call_as(&token, Method::GET, "/v1/users/me/ws-keys", None)
        .await;
    assert_eq!(list["keys"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_is_unknown_to_the_gateway() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;
    let (_, bob_token) = app.signed_up("bob").await;
    let key_hex = hex(&public_key(9));
    let (_, key) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/ws-keys",
            Some(json!({"public_key": key_hex})),
        )
        .await;
    let key_id = key["key_id"].as_str().unwrap();

    // Someone else cannot revoke it.
    let (status, error) = app
        .call_as(
            &bob_token,
            Method::DELETE,
            &format!("/v1/users/me/ws-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ws_key_not_found"))
    );

    let (status, _) = app
        .call_as(
            &token,
            Method::DELETE,
            &format!("/v1/users/me/ws-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, error) = app.get(&format!("/internal/v1/ws-keys/{key_hex}")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_key"))
    );
    let (status, error) = app.get("/internal/v1/ws-keys/not-hex").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_key"))
    );
    let events = app.outbox_events().await;
    assert!(events.ends_with(&[
        "Ed25519KeyRegistered".to_owned(),
        "Ed25519KeyRevoked".to_owned()
    ]));

    // Once revoked, the same key may be registered again.
    let (status, _) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/ws-keys",
            Some(json!({"public_key": key_hex})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
