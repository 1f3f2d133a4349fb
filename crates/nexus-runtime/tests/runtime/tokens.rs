//! Access tokens in every service: the validator the runtime registers, keys from inline
//! settings, and keys fetched from a JWKS URL, refreshed when a rotation brings a new `kid`.

use std::time::Duration;

use nexus_testkit::{TestContext, TestTokens};

use crate::document_server::DocumentServer;
use crate::probe::Probe;

async fn whoami(base_url: &str, token: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(format!("{base_url}/v1/whoami"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_accepts_its_contexts_tokens_and_refuses_others() {
    let context = TestContext::new().await.unwrap();
    let service = context.spawn::<Probe>().await.unwrap();
    let stranger = TestTokens::generate().unwrap();

    let (status, body) = whoami(
        &service.base_url(),
        &context.access_token("alice", &["user"]),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "alice"));

    let (status, body) = whoami(
        &service.base_url(),
        &stranger.access_token("mallory", &["admin"]).unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert!(body.contains("token_unknown_key"), "{body}");

    let response = reqwest::get(format!("{}/v1/whoami", service.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_come_from_the_jwks_url_and_a_rotated_kid_triggers_a_bounded_refresh() {
    let context = TestContext::new().await.unwrap();
    let first = TestTokens::generate().unwrap();
    let second = TestTokens::generate().unwrap();
    let jwks = DocumentServer::start("/.well-known/jwks.json", first.jwks());

    let mut settings = context.settings::<crate::probe::ProbeSettings>();
    settings.runtime.tokens.jwks = None;
    settings.runtime.tokens.jwks_url = Some(jwks.url.parse().unwrap());
    settings.runtime.tokens.min_refresh_interval = Duration::from_millis(300);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();

    // The first fetch happens at start; poll until it has landed.
    let token = first.access_token("alice", &["user"]).unwrap();
    let mut status = 0;
    for _ in 0..100 {
        status = whoami(&service.base_url(), &token).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status, 200,
        "a token signed with the published key is accepted"
    );

    // Rotation: the auth service now publishes the second key. The first request with the new
    // kid is refused (unknown key) and wakes the refresher, which fetches again at most once per
    // min_refresh_interval however many unknown kids arrive.
    jwks.set(second.jwks());
    let fetches_before = jwks.fetch_count();
    let rotated = second.access_token("bob", &["user"]).unwrap();
    let (status, _) = whoami(&service.base_url(), &rotated).await;
    assert_eq!(status, 401);
    for _ in 0..20 {
        let _ = whoami(&service.base_url(), &rotated).await;
    }
    let mut accepted = false;
    for _ in 0..100 {
        if whoami(&service.base_url(), &rotated).await.0 == 200 {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(accepted, "the rotated key is fetched after an unknown kid");
    let refetches = jwks.fetch_count() - fetches_before;
    assert!(
        (1..=2).contains(&refetches),
        "twenty-odd unknown-kid requests led to {refetches} fetches, not one or two"
    );
    // The old key is gone from the document, so its tokens are refused now.
    assert_eq!(whoami(&service.base_url(), &token).await.0, 401);

    service.running.shutdown().await;
    jwks.handle.stop(true).await;
}
