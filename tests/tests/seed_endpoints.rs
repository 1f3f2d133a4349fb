//! The seed's own endpoints, exactly as it names them, through the gateway in front of the real
//! services: `POST /api/v1/auth/register`, `POST /api/v1/auth/login`, `POST /api/v1/analyze`
//! (a multipart form, as `curl -F file=@x` sends it), `GET /api/v1/bounties` and `WS /ws`; and
//! the OIDC discovery and JWKS documents at the standard paths of the public origin. The calls
//! are raw HTTP with the JSON a client would write, not the typed client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::time::Instant;

#[path = "support/platform.rs"]
mod platform;

#[path = "support/feed.rs"]
mod feed;

use feed::Feed;

const BOUNDARY: &str = "seed-endpoints-boundary-91b2";

/// A form with one file part named `file`, as curl's `-F file=@name` writes it.
fn file_form(file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `kid` in a JWT's header.
fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: Value = serde_json::from_slice(&bytes).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_endpoint_works_through_the_gateway_as_named() {
    let platform = platform::start_market().await;
    let http = &platform.http;

    // POST /api/v1/auth/register
    let (status, registered) = json_of(
        http.post(platform.url("/api/v1/auth/register"))
            .json(&json!({
                "email": "seed@nexus.test",
                "username": "seed",
                "password": platform::PASSWORD,
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "register: {registered}");
    assert_eq!(registered["username"], "seed", "{registered}");
    // The same account cannot be registered twice.
    let (status, again) = json_of(
        http.post(platform.url("/api/v1/auth/register"))
            .json(&json!({
                "email": "seed@nexus.test",
                "username": "seed",
                "password": platform::PASSWORD,
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409, "register again: {again}");

    // POST /api/v1/auth/login
    let (status, signed_in) = json_of(
        http.post(platform.url("/api/v1/auth/login"))
            .json(&json!({"login": "seed", "password": platform::PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "login: {signed_in}");
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let user_id = platform.wait_for_token(&token).await;
    let (status, refused) = json_of(
        http.post(platform.url("/api/v1/auth/login"))
            .json(&json!({"login": "seed", "password": "not the password at all"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "a wrong password: {refused}");

    // WS /ws: signs in with the token.
    let mut feed = Feed::connect(&platform, &token).await;

    // POST /api/v1/analyze, a multipart form; then the analysis completes.
    let sample = nexus_testkit::fixtures::read("eicar.com");
    let (status, accepted) = json_of(
        http.post(platform.url("/api/v1/analyze"))
            .bearer_auth(&token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(file_form("eicar.com", &sample))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 202, "analyze: {accepted}");
    let analysis_id = accepted["analysis_id"].as_str().unwrap().to_owned();
    feed.subscribe(&format!("analysis:{analysis_id}")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let completed = loop {
        let (status, analysis) = json_of(
            http.get(platform.url(&format!("/api/v1/analyses/{analysis_id}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{analysis}");
        if analysis["status"] == "completed" {
            break analysis;
        }
        assert!(
            analysis["status"] != "failed" && Instant::now() < deadline,
            "the analysis did not complete: {analysis}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(completed["sha256"], accepted["sha256"], "{completed}");
    // The form's refusals come back through the gateway unchanged.
    let (status, error) = json_of(
        http.post(platform.url("/api/v1/analyze"))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .body(sample.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (415, Some("multipart_required"))
    );
    let (status, error) = json_of(
        http.post(platform.url("/api/v1/analyze"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(file_form("eicar.com", &sample))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "a guest's upload: {error}");

    // GET /api/v1/bounties
    let (status, page) = json_of(
        http.get(platform.url("/api/v1/bounties"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "bounties: {page}");
    assert!(page["bounties"].is_array(), "{page}");

    // OIDC discovery and the JWKS at the public origin's standard paths.
    let (status, discovery) = json_of(
        http.get(platform.url("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "discovery: {discovery}");
    let issuer = discovery["issuer"].as_str().unwrap().trim_end_matches('/');
    assert_eq!(
        discovery["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json")
    );
    assert_eq!(
        discovery["token_endpoint"],
        format!("{issuer}/api/v1/auth/login")
    );
    assert!(
        discovery.get("introspection_endpoint").is_none(),
        "no internal endpoint is published: {discovery}"
    );
    // The token's issuer is the document's.
    let claims = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["iss"].as_str().unwrap().trim_end_matches('/'),
        issuer
    );
    assert_eq!(claims["sub"], user_id.as_str());

    let (status, jwks) = json_of(
        http.get(platform.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "jwks: {jwks}");
    let kid = kid_of(&token);
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|key| key["kid"].as_str())
        .collect();
    assert!(kids.contains(&kid.as_str()), "{kid} not in {kids:?}");
}
