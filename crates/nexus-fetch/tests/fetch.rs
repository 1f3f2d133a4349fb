//! What an allowed fetch does: reaches the server with the request as given, cuts long bodies,
//! times out on a silent server, returns or follows redirects as the policy says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use nexus_fetch::{FetchPolicy, FetchRequest, Fetcher, StaticResolver};

fn local_policy(port: u16) -> FetchPolicy {
    FetchPolicy {
        allow: vec!["127.0.0.0/8".parse().expect("net")],
        allowed_ports: vec![port],
        user_agent: "nexus-fetch-test/1".to_owned(),
        ..FetchPolicy::default()
    }
}

fn get(url: url::Url) -> FetchRequest {
    FetchRequest {
        method: http::Method::GET,
        url,
        headers: http::HeaderMap::new(),
        body: Bytes::new(),
    }
}

#[tokio::test]
async fn an_allow_listed_server_receives_the_request_as_given() {
    let server = support::serve(Arc::new(|_: &str| {
        support::response("201 Created", &[("X-Answer", "42")], b"{\"ok\":true}")
    }))
    .await;
    let fetcher = Fetcher::new(local_policy(server.addr.port())).expect("fetcher");
    let mut headers = http::HeaderMap::new();
    headers.insert("webhook-id", "msg_1".parse().expect("value"));
    headers.insert("user-agent", "spoofed".parse().expect("value"));
    let response = fetcher
        .send(FetchRequest {
            method: http::Method::POST,
            url: server.url("/hook?x=1"),
            headers,
            body: Bytes::from_static(b"{\"event\":1}"),
        })
        .await
        .expect("sent");

    assert_eq!(response.status, 201);
    assert_eq!(response.body.as_ref(), b"{\"ok\":true}");
    assert!(!response.truncated);
    assert_eq!(response.headers["x-answer"], "42");
    assert_eq!(response.remote, server.addr);
    assert_eq!(response.final_url, server.url("/hook?x=1"));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].request_line(), "POST /hook?x=1 HTTP/1.1");
    assert_eq!(received[0].header("webhook-id"), Some("msg_1"));
    assert_eq!(received[0].header("user-agent"), Some("nexus-fetch-test/1"));
    assert_eq!(received[0].body, b"{\"event\":1}");
}

#[tokio::test]
async fn check_url_returns_the_checked_addresses_of_a_name() {
    let resolver = StaticResolver::new().with("hooks.test", &["127.0.0.1".parse().expect("ip")]);
    let fetcher = Fetcher::with_resolver(local_policy(8080), Arc::new(resolver)).expect("fetcher");
    let url = url::Url::parse("http://hooks.test:8080/in").expect("url");
    let addresses = fetcher.check_url(&url).await.expect("allowed");
    assert_eq!(addresses, vec!["127.0.0.1:8080".parse().expect("addr")]);
}

#[tokio::test]
async fn a_name_is_connected_to_at_its_checked_address() {
    let server = support::serve(Arc::new(|_: &str| {
        support::response("200 OK", &[], b"named")
    }))
    .await;
    let resolver = StaticResolver::new().with("hooks.test", &[server.addr.ip()]);
    let fetcher = Fetcher::with_resolver(local_policy(server.addr.port()), Arc::new(resolver))
        .expect("fetcher");
    let url =
        url::Url::parse(&format!("http://hooks.test:{}/in", server.addr.port())).expect("url");
    let response = fetcher.send(get(url)).await.expect("sent");
    assert_eq!(response.body.as_ref(), b"named");
    assert_eq!(response.remote, server.addr);
    let received = server.received();
    assert_eq!(
        received[0].header("host"),
        Some(format!("hooks.test:{}", server.addr.port()).as_str())
    );
}

#[tokio::test]
async fn a_long_body_is_cut_at_the_limit() {
    let server = support::serve(Arc::new(|_: &str| {
        support::response("200 OK", &[], &[b'a'; 100_000])
    }))
    .await;
    let policy = FetchPolicy {
        max_response_bytes: 1_000,
        ..local_policy(server.addr.port())
    };
    let fetcher = Fetcher::new(policy).expect("fetcher");
    let response = fetcher.send(get(server.url("/big"))).await.expect("sent");
    assert_eq!(response.body.len(), 1_000);
    assert!(response.truncated);
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_whole() {
    let server = support::serve(Arc::new(|_: &str| {
        support::response("200 OK", &[], &[b'a'; 1_000])
    }))
    .await;
    let policy = FetchPolicy {
        max_response_bytes: 1_000,
        ..local_policy(server.addr.port())
    };
    let response = Fetcher::new(policy)
        .expect("fetcher")
        .send(get(server.url("/")))
        .await
        .expect("sent");
    assert_eq!(response.body.len(), 1_000);
    assert!(!response.truncated);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let silent = support::serve_silence().await;
    let policy = FetchPolicy {
        timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(200),
        ..local_policy(silent.port())
    };
    let fetcher = Fetcher::new(policy).expect("fetcher");
    let url = url::Url::parse(&format!("http://{silent}/")).expect("url");
    let error = fetcher.send(get(url)).await.expect_err("no answer");
    assert_eq!(error.code(), "timed_out");
}

#[tokio::test]
async fn a_redirect_is_returned_when_the_policy_follows_none() {
    let server = support::serve(Arc::new(|path: &str| match path {
        "/moved" => support::found("/target"),
        _ => support::response("200 OK", &[], b"target"),
    }))
    .await;
    let fetcher = Fetcher::new(local_policy(server.addr.port())).expect("fetcher");
    let response = fetcher.send(get(server.url("/moved"))).await.expect("sent");
    assert_eq!(response.status, 302);
    assert_eq!(response.headers["location"], "/target");
    assert_eq!(response.final_url, server.url("/moved"));
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn allowed_redirects_are_followed_and_a_post_becomes_a_get_after_303() {
    let server = support::serve(Arc::new(|path: &str| match path {
        "/submit" => support::response("303 See Other", &[("Location", "/step")], b""),
        "/step" => support::found("/done"),
        _ => support::response("200 OK", &[], b"done"),
    }))
    .await;
    let policy = FetchPolicy {
        max_redirects: 2,
        ..local_policy(server.addr.port())
    };
    let fetcher = Fetcher::new(policy).expect("fetcher");
    let response = fetcher
        .send(FetchRequest {
            method: http::Method::POST,
            url: server.url("/submit"),
            headers: http::HeaderMap::new(),
            body: Bytes::from_static(b"form"),
        })
        .await
        .expect("sent");
    assert_eq!(response.status, 200);
    assert_eq!(response.body.as_ref(), b"done");
    assert_eq!(response.final_url, server.url("/done"));
    let lines: Vec<String> = server
        .received()
        .iter()
        .map(|received| received.request_line().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "POST /submit HTTP/1.1",
            "GET /step HTTP/1.1",
            "GET /done HTTP/1.1"
        ]
    );
    assert!(server.received()[2].body.is_empty());
}

#[tokio::test]
async fn https_to_a_server_that_does_not_speak_tls_fails_the_handshake() {
    let plain = support::serve_at_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let fetcher = Fetcher::new(local_policy(plain.port())).expect("fetcher");
    let url = url::Url::parse(&format!("https://{plain}/")).expect("url");
    let error = fetcher.send(get(url)).await.expect_err("no TLS");
    assert_eq!(error.code(), "tls_failed", "{error}");
}

#[tokio::test]
async fn a_closed_port_fails_to_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let fetcher = Fetcher::new(local_policy(addr.port())).expect("fetcher");
    let url = url::Url::parse(&format!("http://{addr}/")).expect("url");
    let error = fetcher.send(get(url)).await.expect_err("closed");
    assert_eq!(error.code(), "connect_failed", "{error}");
}

#[tokio::test]
async fn credentials_are_not_carried_to_another_origin() {
    let other = support::serve(Arc::new(|_: &str| {
        support::response("200 OK", &[], b"other")
    }))
    .await;
    let other_url = other.url("/landing").to_string();
    let first = support::serve(Arc::new(move |_: &str| support::found(&other_url))).await;
    let policy = FetchPolicy {
        allowed_ports: vec![first.addr.port(), other.addr.port()],
        max_redirects: 1,
        ..local_policy(first.addr.port())
    };
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", "Bearer secret".parse().expect("value"));
    headers.insert("cookie", "session=1".parse().expect("value"));
    headers.insert("x-trace", "kept".parse().expect("value"));
    let response = Fetcher::new(policy)
        .expect("fetcher")
        .send(FetchRequest {
            headers,
            ..get(first.url("/start"))
        })
        .await
        .expect("sent");
    assert_eq!(response.body.as_ref(), b"other");
    assert_eq!(
        first.received()[0].header("authorization"),
        Some("Bearer secret")
    );
    let landed = &other.received()[0];
    assert_eq!(landed.header("authorization"), None);
    assert_eq!(landed.header("cookie"), None);
    assert_eq!(landed.header("x-trace"), Some("kept"));
}
