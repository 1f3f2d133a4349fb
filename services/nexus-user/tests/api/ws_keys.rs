//! Ed25519 WebSocket keys: register (hex, base64) with proof of possession (a signature over a
//! single-use server challenge), reject malformed and weak keys and every failed proof, list,
//! revoke, and the gateway's internal lookup.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey};
use nexus_core::hex::encode as hex;
use nexus_testkit::nexus_client::CallContext;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn public_key(seed: u8) -> [u8; 32] {
    SigningKey::from_bytes(&[seed; 32])
        .verifying_key()
        .to_bytes()
}

/// A fresh challenge for the holder of `token`.
async fn challenge(app: &TestApp, token: &str) -> String {
    app.service
        .client
        .users()
        .create_ws_key_challenge(&CallContext::bearer(token))
        .await
        .unwrap()
        .challenge
}

/// The registration message `user_id` signs with key `seed` for `challenge`.
fn proof(seed: u8, user_id: &str, challenge: &str) -> String {
    let message = format!(
        "nexus-ws-key-registration\nuser:{user_id}\nkey:{}\nchallenge:{challenge}",
        hex(&public_key(seed))
    );
    let signature = SigningKey::from_bytes(&[seed; 32]).sign(message.as_bytes());
    hex(&signature.to_bytes())
}

/// Registers key `seed` (sent as `encoded`) for `user_id` with a valid proof.
async fn register_key(
    app: &TestApp,
    token: &str,
    user_id: &str,
    seed: u8,
    encoded: String,
    label: Option<&str>,
) -> (StatusCode, Value) {
    let challenge = challenge(app, token).await;
    let mut body = json!({
        "public_key": encoded,
        "challenge": challenge,
        "signature": proof(seed, user_id, &challenge),
    });
    if let Some(label) = label {
        body["label"] = json!(label);
    }
    app.call_as(token, Method::POST, "/v1/users/me/ws-keys", Some(body))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hex_and_base64_keys_register_and_the_gateway_finds_their_owner() {
    let app = TestApp::spawn().await;
    let (ada, token) = app.signed_up("ada").await;

    let (status, by_hex) = register_key(
        &app,
        &token,
        &ada,
        1,
        hex(&public_key(1)).to_uppercase(),
        Some("laptop"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{by_hex}");
    assert_eq!(by_hex["public_key_hex"], hex(&public_key(1)));
    for (seed, encoded) in [
        (2, STANDARD.encode(public_key(2))),
        (3, URL_SAFE_NO_PAD.encode(public_key(3))),
    ] {
        let (status, key) = register_key(&app, &token, &ada, seed, encoded, None).await;
        assert_eq!(status, StatusCode::CREATED, "{key}");
    }

    let users = app.service.client.users();
    let list = users
        .list_ws_keys(&CallContext::bearer(&token))
        .await
        .unwrap();
    assert_eq!(list.keys.len(), 3);
    assert_eq!(list.keys[0].label.as_deref(), Some("laptop"));

    let owner = users
        .lookup_ws_key(&CallContext::none(), &hex(&public_key(2)))
        .await
        .unwrap();
    assert_eq!(owner.user_id.to_string(), ada);
    assert_eq!(owner.roles, ["user"]);
    assert_eq!(owner.key_id, list.keys[1].key_id);

    let (status, error) = register_key(&app, &token, &ada, 1, hex(&public_key(1)), None).await;
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
        let challenge = challenge(&app, &token).await;
        let (status, error) = app
            .call_as(
                &token,
                Method::POST,
                "/v1/users/me/ws-keys",
                Some(json!({"public_key": key, "challenge": challenge, "signature": "00".repeat(64)})),
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
    let (ada, token) = app.signed_up("ada").await;
    let (_, bob_token) = app.signed_up("bob").await;
    let key_hex = hex(&public_key(9));
    let (_, key) = register_key(&app, &token, &ada, 9, key_hex.clone(), None).await;
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
    let (status, _) = register_key(&app, &token, &ada, 9, key_hex.clone(), None).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_registered_only_with_its_signature_over_a_fresh_challenge_of_this_account() {
    let app = TestApp::spawn().await;
    let (ada, token) = app.signed_up("ada").await;
    let (bob, bob_token) = app.signed_up("bob").await;
    let key = hex(&public_key(5));
    let register = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.call_as(&token, Method::POST, "/v1/users/me/ws-keys", Some(body))
                .await
        }
    };

    // No proof at all: the old request shape.
    let (status, error) = register(json!({"public_key": key})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ws_key_proof_required"))
    );
    assert!(error["message"].as_str().unwrap().contains("challenge"));

    // A challenge nobody issued.
    let invented = "ab".repeat(32);
    let (status, error) = register(json!({
        "public_key": key, "challenge": invented, "signature": proof(5, &ada, &invented),
    }))
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ws_key_challenge_unknown"))
    );

    // Signed by another key than the one registered (no possession of key 5).
    let fresh = challenge(&app, &token).await;
    let (status, error) = register(json!({
        "public_key": key, "challenge": fresh, "signature": proof(6, &ada, &fresh),
    }))
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ws_key_signature_invalid"))
    );
    // That attempt used the challenge up, even with the right signature now.
    let (status, error) = register(json!({
        "public_key": key, "challenge": fresh, "signature": proof(5, &ada, &fresh),
    }))
    .await;
    assert_eq!(
        error["code"], "ws_key_challenge_unknown",
        "{status} {error}"
    );

    // A signature made for another account, and another account's challenge.
    let fresh = challenge(&app, &token).await;
    let (_, error) = register(json!({
        "public_key": key, "challenge": fresh, "signature": proof(5, &bob, &fresh),
    }))
    .await;
    assert_eq!(error["code"], "ws_key_signature_invalid");
    let bobs = challenge(&app, &bob_token).await;
    let (_, error) = register(json!({
        "public_key": key, "challenge": bobs, "signature": proof(5, &ada, &bobs),
    }))
    .await;
    assert_eq!(error["code"], "ws_key_challenge_unknown");

    // Malformed signature text.
    let fresh = challenge(&app, &token).await;
    let (_, error) = register(json!({
        "public_key": key, "challenge": fresh, "signature": "not hex",
    }))
    .await;
    assert_eq!(error["code"], "ws_key_signature_invalid");

    let (_, list) = app
        .call_as(&token, Method::GET, "/v1/users/me/ws-keys", None)
        .await;
    assert_eq!(list["keys"], json!([]), "nothing was registered");

    // The right proof registers it, once.
    let fresh = challenge(&app, &token).await;
    let proof_body = json!({
        "public_key": key, "challenge": fresh, "signature": proof(5, &ada, &fresh),
    });
    let (status, registered) = register(proof_body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let (status, replayed) = register(proof_body).await;
    assert_eq!(
        (status, replayed["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ws_key_challenge_unknown"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_challenge_is_refused() {
    let mut settings = crate::helpers::fast_settings();
    settings.ws_key_challenge.ttl = std::time::Duration::from_secs(10);
    let app = TestApp::spawn_with(settings).await;
    let (ada, token) = app.signed_up("ada").await;
    let fresh = challenge(&app, &token).await;
    // Expire it the way time would, without waiting: Redis drops the record.
    let client = redis::Client::open(app.context.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!(
        "{}nexus:user:wskey-challenge:{fresh}",
        app.context.redis_prefix
    );
    let existed: i64 = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(
        existed, 1,
        "the challenge is stored under its own key with a lifetime"
    );
    let ttl: i64 = loop {
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut connection)
            .await
            .unwrap();
        if ttl < 0 {
            break ttl;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(ttl, -2);
    let (status, error) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/ws-keys",
            Some(json!({
                "public_key": hex(&public_key(5)),
                "challenge": fresh,
                "signature": proof(5, &ada, &fresh),
            })),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ws_key_challenge_unknown"))
    );
}
