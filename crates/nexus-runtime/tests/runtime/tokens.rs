//! Access tokens in every service: the validator the runtime registers, keys from inline
//! settings, and keys fetched from a JWKS URL, refreshed when a rotation brings a new `kid`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use nexus_testkit::{TestContext, TestTokens};

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

/// A JWKS endpoint whose document the test can swap, like the auth service rotating keys.
struct JwksServer {
    url: String,
    document: Arc<Mutex<serde_json::Value>>,
    fetches: Arc<Mutex<u32>>,
    handle: actix_web::dev::ServerHandle,
}

impl JwksServer {
    fn start(document: serde_json::Value) -> Self {
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(Mutex::new(0));
        let (served, counted) = (document.clone(), fetches.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            let (served, counted) = (served.clone(), counted.clone());
            App::new().route(
                "/.well-known/jwks.json",
                web::get().to(move || {
                    let (served, counted) = (served.clone(), counted.clone());
                    async move {
                        *counted.lock().unwrap() += 1;
                        let body = served.lock().unwrap().clone();
                        HttpResponse::Ok().json(body)
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{address}/.well-known/jwks.json"),
            document,
            fetches,
            handle,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_come_from_the_jwks_url_and_a_rotated_kid_triggers_a_bounded_refresh() {
    let context = TestContext::new().await.unwrap();
    let first = TestTokens::generate().unwrap();
    let second = TestTokens::generate().unwrap();
    let jwks = JwksServer::start(first.jwks());

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
    *jwks.document.lock().unwrap() = second.jwks();
    let fetches_before = *jwks.fetches.lock().unwrap();
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
    let refetches = *jwks.fetches.lock().unwrap() - fetches_before;
    assert!(
        (1..=2).contains(&refetches),
        "twenty-odd unknown-kid requests led to {refetches} fetches, not one or two"
    );
    // The old key is gone from the document, so its tokens are refused now.
    assert_eq!(whoami(&service.base_url(), &token).await.0, 401);

    service.running.shutdown().await;
    jwks.handle.stop(true).await;
}
