//! The web dashboard at `/`: a real directory with an `index.html` and a hashed asset, served by a
//! real gateway: caching headers, the SPA fallback, the CSP, API paths unaffected, traversal
//! refused.

use std::path::PathBuf;

use nexus_gateway::routes::dashboard::{CONTENT_SECURITY_POLICY, IMMUTABLE};
use nexus_testkit::{TestContext, TestService};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Upstream, gateway, http, settings};

const INDEX: &str = "<!doctype html><title>Nexus</title><script type=\"module\" src=\"/assets/app-1a2b3c.js\"></script>";
const SCRIPT: &str = "console.log('dashboard')";
const SECRET: &str = "outside-the-dashboard";

/// `<tmp>/<id>/dist` with `index.html`, `assets/app-1a2b3c.js` and a link to `../secret.txt`,
/// which sits beside `dist`.
fn built_dashboard() -> PathBuf {
    let base = std::env::temp_dir().join(format!("nexus-dashboard-{}", uuid::Uuid::now_v7()));
    let dist = base.join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("assets/app-1a2b3c.js"), SCRIPT).unwrap();
    std::fs::write(base.join("secret.txt"), SECRET).unwrap();
    std::os::unix::fs::symlink(base.join("secret.txt"), dist.join("link.txt")).unwrap();
    dist
}

async fn gateway_serving(context: &TestContext, upstream: &Upstream, dir: PathBuf) -> TestService {
    let mut settings = settings(context, &upstream.url);
    settings.service.dashboard.dir = dir;
    gateway(context, settings).await
}

async fn fetch(service: &TestService, path: &str, accept: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path}", service.base_url()))
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

/// A request line sent as written (HTTP clients normalise `..` away before sending).
async fn raw_get(service: &TestService, target: &str) -> String {
    let address = service.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_never_cached_and_hashed_assets_are_cached_for_a_year_under_a_strict_csp() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway_serving(&context, &upstream, built_dashboard()).await;

    let page = fetch(&service, "/", "text/html").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "no-cache");
    assert!(header(&page, "content-type").starts_with("text/html"));
    let csp = header(&page, "content-security-policy").to_owned();
    assert_eq!(csp, CONTENT_SECURITY_POLICY);
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("connect-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert_eq!(page.text().await.unwrap(), INDEX);

    let script = fetch(&service, "/assets/app-1a2b3c.js", "*/*").await;
    assert_eq!(script.status(), 200);
    assert_eq!(header(&script, "cache-control"), IMMUTABLE);
    assert!(header(&script, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&script, "x-content-type-options"), "nosniff");
    assert_eq!(script.text().await.unwrap(), SCRIPT);

    // A missing asset is a 404, never the page parsed as a script.
    let missing = fetch(&service, "/assets/app-old.js", "text/html").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_fall_back_to_the_app_and_api_paths_keep_their_meaning() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway_serving(&context, &upstream, built_dashboard()).await;

    for path in ["/bounties/42", "/analyses/a-1/report", "/sign-in?next=%2F"] {
        let page = fetch(&service, path, "text/html,application/xhtml+xml").await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(header(&page, "cache-control"), "no-cache", "{path}");
        assert_eq!(page.text().await.unwrap(), INDEX, "{path}");
    }
    // Not a page request: the API's JSON 404, not HTML.
    let data = fetch(&service, "/bounties/42", "application/json").await;
    assert_eq!(data.status(), 404);
    assert_eq!(data.json::<Value>().await.unwrap()["code"], "not_found");
    let posted = http()
        .post(format!("{}/bounties/42", service.base_url()))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 404);

    // The API: proxied, with its own CSP, even for a browser asking for HTML.
    let proxied = fetch(&service, "/api/v1/bounties", "text/html").await;
    assert_eq!(proxied.status(), 200);
    assert_eq!(
        header(&proxied, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(
        proxied.json::<Value>().await.unwrap()["path"],
        "/v1/bounties"
    );
    let unknown_api = fetch(&service, "/api/v2/nothing", "text/html").await;
    assert_eq!(unknown_api.status(), 404);
    assert_eq!(
        unknown_api.json::<Value>().await.unwrap()["code"],
        "not_found"
    );
    let health = fetch(&service, "/health", "text/html").await;
    assert_eq!(health.status(), 200);
    assert!(!health.text().await.unwrap().contains("<title>Nexus"));
    let socket = fetch(&service, "/ws", "text/html").await;
    assert_eq!(socket.status(), 400, "a plain GET /ws is a bad handshake");
    let docs = fetch(&service, "/api/docs/", "text/html").await;
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_out_of_the_directory_are_refused() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let service = gateway_serving(&context, &upstream, built_dashboard()).await;

    for target in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/link.txt",
        "/assets/..\\..\\secret.txt",
    ] {
        let answer = raw_get(&service, target).await;
        assert!(
            !answer.contains(SECRET),
            "{target} leaked the file: {answer}"
        );
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 404"),
            "{target}: {answer}"
        );
    }
    // A hidden file inside the directory is never served either.
    let hidden = fetch(&service, "/.env", "*/*").await;
    assert_eq!(hidden.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_dashboard_the_root_is_the_api_404() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let empty = std::env::temp_dir().join(format!("nexus-no-dashboard-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&empty).unwrap();
    let service = gateway_serving(&context, &upstream, empty).await;

    let root = fetch(&service, "/", "text/html").await;
    assert_eq!(root.status(), 404);
    assert_eq!(root.json::<Value>().await.unwrap()["code"], "not_found");
}
