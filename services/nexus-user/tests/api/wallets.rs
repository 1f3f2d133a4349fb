//! Wallet linking with Sign-In with Ethereum (EIP-4361) challenges.

use std::time::Duration;

use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use nexus_proto::user::{LinkWalletRequest, WalletChallenge, WalletChallengeRequest};
use nexus_testkit::nexus_client::CallContext;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, fast_settings};

fn signer() -> PrivateKeySigner {
    PrivateKeySigner::random()
}

async fn challenge(app: &TestApp, token: &str, signer: &PrivateKeySigner) -> WalletChallenge {
    let request = WalletChallengeRequest {
        address: signer.address().to_checksum(None),
        chain_id: 1,
    };
    app.service
        .client
        .users()
        .create_wallet_challenge(&CallContext::bearer(token), &request)
        .await
        .unwrap()
}

fn sign(signer: &PrivateKeySigner, message: &str) -> String {
    let signature = signer.sign_message_sync(message.as_bytes()).unwrap();
    alloy::hex::encode_prefixed(signature.as_bytes())
}

async fn link(app: &TestApp, token: &str, message: &str, signature: &str) -> (StatusCode, Value) {
    app.call_as(
        token,
        Method::POST,
        "/v1/users/me/wallets",
        Some(json!({"message": message, "signature": signature})),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_challenge_links_the_wallet_which_can_be_listed_and_unlinked() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;
    let wallet = signer();
    let address = wallet.address().to_checksum(None);

    let challenge = challenge(&app, &token, &wallet).await;
    let message = challenge.message.as_str();
    assert!(
        message.starts_with("localhost:8080 wants you to sign in with your Ethereum account:\n")
    );
    for line in [
        address.as_str(),
        "URI: http://localhost:8080",
        "Version: 1",
        "Chain ID: 1",
        &format!("Nonce: {}", challenge.nonce),
    ] {
        assert!(
            message.lines().any(|l| l == line),
            "{line} missing in {message}"
        );
    }
    assert!(message.contains("\nIssued At: ") && message.contains("\nExpiration Time: "));

    let users = app.service.client.users();
    let as_ada = CallContext::bearer(&token);
    let request = LinkWalletRequest {
        message: message.to_owned(),
        signature: sign(&wallet, message),
    };
    let linked = users.link_wallet(&as_ada, &request).await.unwrap();
    assert_eq!(linked.address.to_string(), address);
    assert_eq!(linked.chain_id, 1);

    let list = users.list_wallets(&as_ada).await.unwrap();
    assert_eq!(list.wallets[0].address.to_string(), address);
    assert!(
        app.outbox_events()
            .await
            .contains(&"WalletLinked".to_owned())
    );

    users
        .unlink_wallet(&as_ada, &address.to_lowercase())
        .await
        .unwrap();
    assert_eq!(users.list_wallets(&as_ada).await.unwrap().wallets, []);
    let (status, error) = app
        .call_as(
            &token,
            Method::DELETE,
            &format!("/v1/users/me/wallets/{address}"),
            None,
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("wallet_not_found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_works_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;
    let wallet = signer();
    let challenge = challenge(&app, &token, &wallet).await;
    let message = challenge.message.as_str();
    let signature = sign(&wallet, message);
    let (status, _) = link(&app, &token, message, &signature).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, error) = link(&app, &token, message, &signature).await;

    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("siwe_nonce_unknown"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_challenge_is_refused() {
    let mut settings = fast_settings();
    settings.siwe.challenge_ttl = Duration::from_secs(1);
    let app = TestApp::spawn_with(settings).await;
    let (_, token) = app.signed_up("ada").await;
    let wallet = signer();
    let challenge = challenge(&app, &token, &wallet).await;
    let message = challenge.message.as_str();
    let signature = sign(&wallet, message);

    // Wait until the challenge's own expiration time has passed (not a synchronisation sleep:
    // the outcome depends only on the clock being past `expires_at`).
    let expires_at = challenge.expires_at;
    while chrono::Utc::now() <= expires_at {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, error) = link(&app, &token, message, &signature).await;

    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("siwe_challenge_expired"))
    );
    let (_, list) = app
        .call_as(&token, Method::GET, "/v1/users/me/wallets", None)
        .await;
    assert_eq!(list["wallets"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_by_another_key_is_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_up("ada").await;
    let wallet = signer();
    let challenge = challenge(&app, &token, &wallet).await;
    let message = challenge.message.as_str();

    let (status, error) = link(&app, &token, message, &sign(&signer(), message)).await;

    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wallet_signature_mismatch"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_links_to_one_account_only() {
    let app = TestApp::spawn().await;
    let (_, ada_token) = app.signed_up("ada").await;
    let (_, bob_token) = app.signed_up("bob").await;
    let wallet = signer();
    let first = challenge(&app, &ada_token, &wallet).await;
    let message = first.message.as_str();
    let (status, _) = link(&app, &ada_token, message, &sign(&wallet, message)).await;
    assert_eq!(status, StatusCode::CREATED);

    let second = challenge(&app, &bob_token, &wallet).await;
    let message = second.message.as_str();
    let (status, error) = link(&app, &bob_token, message, &sign(&wallet, message)).await;

    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::CONFLICT, Some("wallet_taken"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_foreign_and_malformed_messages_are_refused() {
    let app = TestApp::spawn().await;
    let (_, ada_token) = app.signed_up("ada").await;
    let (_, bob_token) = app.signed_up("bob").await;
    let wallet = signer();

    // Another domain, even correctly signed.
    let issued = challenge(&app, &ada_token, &wallet).await;
    let foreign = issued
        .message
        .replace("localhost:8080 wants", "evil.example wants");
    let (status, error) = link(&app, &ada_token, &foreign, &sign(&wallet, &foreign)).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("siwe_message_mismatch"))
    );

    // A challenge issued to Ada, posted by Bob.
    let issued = challenge(&app, &ada_token, &wallet).await;
    let message = issued.message.as_str();
    let (status, error) = link(&app, &bob_token, message, &sign(&wallet, message)).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("siwe_challenge_mismatch"))
    );

    // Not EIP-4361, or not a signature.
    let (status, error) = link(&app, &ada_token, "please link me", &sign(&wallet, "x")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_siwe_message"))
    );
    let issued = challenge(&app, &ada_token, &wallet).await;
    let message = issued.message.as_str();
    let (status, error) = link(&app, &ada_token, message, "0x1234").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_signature"))
    );

    // Bad challenge requests.
    for (body, code) in [
        (
            json!({"address": "0x12", "chain_id": 1}),
            "invalid_wallet_address",
        ),
        (
            json!({"address": wallet.address().to_checksum(None), "chain_id": 0}),
            "invalid_chain_id",
        ),
    ] {
        let (status, error) = app
            .call_as(
                &ada_token,
                Method::POST,
                "/v1/users/me/wallets/challenge",
                Some(body),
            )
            .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code))
        );
    }
    let (_, list) = app
        .call_as(&ada_token, Method::GET, "/v1/users/me/wallets", None)
        .await;
    assert_eq!(list["wallets"], json!([]));
}
