//! The gateway in front of the real identity services: sign-in through `/api/v1/auth`, bearer
//! tokens checked against the auth service's JWKS (fetched, not configured), API keys
//! introspected by the real auth service and swapped for its minted token, and the Ed25519
//! WebSocket sign-in against keys registered with the real user service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ed25519_dalek::{Signer, SigningKey};
use futures_util::{SinkExt, StreamExt};
use nexus_core::hex::encode as hex;
use nexus_proto::auth::CreateApiKeyRequest;
use nexus_proto::user::RegisterWsKeyRequest;
use nexus_testkit::nexus_client::CallContext;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[path = "support/platform.rs"]
mod platform;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_made_by_the_auth_service_work_through_the_gateway() {
    let platform = platform::start().await;
    let http = &platform.http;
    let account = platform.sign_up("keyholder").await;
    let (user_id, token) = (account.id, account.token);

    let request = CreateApiKeyRequest {
        name: "ci".into(),
        scopes: vec!["user:read_private".into()],
        tier: None,
        expires_in_days: None,
    };
    let created = platform
        .api
        .auth()
        .create_api_key(&CallContext::bearer(&token), &request)
        .await
        .unwrap();
    let key = created.key.as_str();

    for request in [
        http.get(platform.url("/api/v1/users/me"))
            .header("authorization", format!("ApiKey {key}")),
        http.get(platform.url("/api/v1/users/me"))
            .header("x-api-key", key),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["user_id"], user_id.as_str());
    }

    let forged = http
        .get(platform.url("/api/v1/users/me"))
        .header("x-api-key", format!("{key}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["code"], "api_key_invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ed25519_key_registered_with_the_user_service_signs_in_to_the_hub() {
    let platform = platform::start().await;
    let account = platform.sign_up("engine").await;
    let (user_id, token) = (account.id, account.token);
    let key = SigningKey::from_bytes(&[9; 32]);
    let public_key = hex(key.verifying_key().as_bytes());
    // Proof of possession: the key signs a single-use challenge bound to the account.
    let users = platform.api.users();
    let as_owner = CallContext::bearer(&token);
    let challenge = users
        .create_ws_key_challenge(&as_owner)
        .await
        .unwrap()
        .challenge;
    let message = format!(
        "nexus-ws-key-registration\nuser:{user_id}\nkey:{public_key}\nchallenge:{challenge}"
    );
    let proof = hex(&key.sign(message.as_bytes()).to_bytes());
    let registration = RegisterWsKeyRequest {
        public_key: public_key.clone(),
        label: Some("engine-1".into()),
        challenge: Some(challenge),
        signature: Some(proof),
    };
    users
        .register_ws_key(&as_owner, &registration)
        .await
        .unwrap();

    let url = format!(
        "{}/ws",
        platform.gateway.base_url().replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let greeting = socket.next().await.unwrap().unwrap();
    assert_eq!(
        greeting.into_text().unwrap().as_str(),
        r#"{"type":"auth_required"}"#
    );
    let timestamp = chrono::Utc::now().timestamp();
    let nonce = "e2e-nonce-0000000001";
    let signature = key.sign(format!("{timestamp}:{nonce}").as_bytes());
    let auth = json!({"type": "auth", "data": {
        "public_key": public_key, "timestamp": timestamp, "nonce": nonce,
        "signature": hex(&signature.to_bytes()),
    }});
    socket
        .send(Message::Text(auth.to_string().into()))
        .await
        .unwrap();
    let answer: Value =
        serde_json::from_str(&socket.next().await.unwrap().unwrap().into_text().unwrap()).unwrap();
    assert_eq!(answer["type"], "auth_success", "{answer}");
    assert_eq!(answer["user_id"], user_id.as_str());
}
