//! The gateway in front of the real identity services: sign-in through `/api/v1/auth`, bearer
//! tokens checked against the auth service's JWKS (fetched, not configured), API keys
//! introspected by the real auth service and swapped for its minted token, and the Ed25519
//! WebSocket sign-in against keys registered with the real user service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use futures_util::{SinkExt, StreamExt};
use nexus_auth::settings::AuthSettings;
use nexus_core::hex::encode as hex;
use nexus_gateway::settings::GatewaySettings;
use nexus_testkit::{TestContext, TestService};
use nexus_user::settings::UserSettings;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Platform {
    _context: TestContext,
    gateway: TestService,
    _auth: TestService,
    _user: TestService,
    keys_dir: std::path::PathBuf,
}

impl Drop for Platform {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.keys_dir);
    }
}

/// auth, user and the gateway; every process learns the auth service's keys from its JWKS.
async fn platform() -> Platform {
    let context = TestContext::new().await.unwrap();
    let (auth_port, user_port) = (free_port(), free_port());
    let auth_url = format!("http://127.0.0.1:{auth_port}");
    let user_url = format!("http://127.0.0.1:{user_port}");
    let jwks_url = url::Url::parse(&format!("{auth_url}/.well-known/jwks.json")).unwrap();

    let keys_dir = std::env::temp_dir().join(format!(
        "nexus-gateway-e2e-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let mut auth = context.settings::<AuthSettings>();
    auth.runtime.server.http_addr = format!("127.0.0.1:{auth_port}").parse().unwrap();
    auth.service.keys_dir = keys_dir.clone();
    auth.service.user_url = user_url.clone();
    let auth = context
        .spawn_with::<nexus_auth::AuthService>(auth)
        .await
        .unwrap();
    // Auth first: the others fetch its JWKS at start (auth only needs the user service's
    // address, not the service, to start).
    let mut user = context.settings::<UserSettings>();
    user.runtime.server.http_addr = format!("127.0.0.1:{user_port}").parse().unwrap();
    user.runtime.tokens.jwks = None;
    user.runtime.tokens.jwks_url = Some(jwks_url.clone());
    let user = context
        .spawn_with::<nexus_user::UserService>(user)
        .await
        .unwrap();

    let mut gateway = context.settings::<GatewaySettings>();
    gateway.runtime.tokens.jwks = None;
    gateway.runtime.tokens.jwks_url = Some(jwks_url);
    for (name, url) in gateway.service.upstreams.iter_mut() {
        match name.as_str() {
            "auth" => *url = url::Url::parse(&auth_url).unwrap(),
            "user" => *url = url::Url::parse(&user_url).unwrap(),
            _ => {}
        }
    }
    let gateway = context
        .spawn_with::<nexus_gateway::GatewayService>(gateway)
        .await
        .unwrap();
    Platform {
        _context: context,
        gateway,
        _auth: auth,
        _user: user,
        keys_dir,
    }
}

impl Platform {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// Registers an account through the gateway and signs in; returns (user id, access token).
    async fn sign_up(&self, http: &reqwest::Client, name: &str) -> (String, String) {
        let password = "correct horse battery staple 42!";
        let registered = http
            .post(self.url("/api/v1/users"))
            .json(&json!({"email": format!("{name}@nexus.test"), "username": name, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            registered.status(),
            201,
            "{}",
            registered.text().await.unwrap()
        );
        let login = http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"login": name, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let tokens: Value = login.json().await.unwrap();
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        // The processes fetch the JWKS in the background: wait until the new key is known.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let me = http
                .get(self.url("/api/v1/users/me"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if me.status() == 200 {
                let me: Value = me.json().await.unwrap();
                return (me["user_id"].as_str().unwrap().to_owned(), token);
            }
            assert!(
                Instant::now() < deadline,
                "the token never validated: {}",
                me.text().await.unwrap()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_made_by_the_auth_service_work_through_the_gateway() {
    let platform = platform().await;
    let http = reqwest::Client::new();
    let (user_id, token) = platform.sign_up(&http, "keyholder").await;

    let created = http
        .post(platform.url("/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "ci", "scopes": ["user:read_private"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap();

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
    let platform = platform().await;
    let http = reqwest::Client::new();
    let (user_id, token) = platform.sign_up(&http, "engine").await;
    let key = SigningKey::from_bytes(&[9; 32]);
    let public_key = hex(key.verifying_key().as_bytes());
    let registered = http
        .post(platform.url("/api/v1/users/me/ws-keys"))
        .bearer_auth(&token)
        .json(&json!({"public_key": public_key, "label": "engine-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        201,
        "{}",
        registered.text().await.unwrap()
    );

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
