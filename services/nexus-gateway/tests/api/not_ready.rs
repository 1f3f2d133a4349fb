//! A gateway that has just started and does not hold the auth service's signing keys yet
//! answers a valid token with 503 + `Retry-After` (no `WWW-Authenticate` challenge: the token
//! is not at fault), never 401, until the keys arrive.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, get, settings};

/// Serves the JWKS document the test swaps in; starts with something that is not one.
fn jwks_server(document: Arc<Mutex<Value>>) -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        let document = Arc::clone(&document);
        App::new().route(
            "/.well-known/jwks.json",
            web::get().to(move || {
                let body = document.lock().unwrap().clone();
                async move { HttpResponse::Ok().json(body) }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{address}/.well-known/jwks.json"), handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_gets_503_with_retry_after_until_the_gateway_holds_the_keys() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let document = Arc::new(Mutex::new(serde_json::json!({"not": "keys"})));
    let (jwks_url, jwks) = jwks_server(Arc::clone(&document));
    let mut settings = settings(&context, &upstream.url);
    settings.runtime.tokens.jwks = None;
    settings.runtime.tokens.jwks_url = Some(jwks_url.parse().unwrap());
    settings.runtime.tokens.min_refresh_interval = Duration::from_millis(300);
    let service = gateway(&context, settings).await;
    let token = context.access_token("u-1", &["user"]);

    let starting = get(&service, "/api/v1/bounties/anything", Some(&token)).await;
    assert_eq!(starting.status(), 503);
    assert!(starting.headers().contains_key("retry-after"));
    assert!(!starting.headers().contains_key("www-authenticate"));
    let body: Value = starting.json().await.unwrap();
    assert_eq!(body["code"], "auth_not_ready", "{body}");

    *document.lock().unwrap() = context.tokens.jwks();
    let mut status = 0;
    for _ in 0..200 {
        status = get(&service, "/api/v1/bounties/anything", Some(&token))
            .await
            .status()
            .as_u16();
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200);
    jwks.stop(true).await;
}
