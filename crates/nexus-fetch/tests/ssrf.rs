//! The SSRF table: destinations a user could name to reach the platform's own network, each
//! refused with its code before any byte is sent; and redirects from an allowed server to such
//! destinations, refused at the hop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use nexus_fetch::{FetchError, FetchPolicy, FetchRequest, Fetcher, StaticResolver};

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

/// Names resolving where an attacker would point them.
fn attacker_dns() -> Arc<StaticResolver> {
    Arc::new(
        StaticResolver::new()
            .with("evil.test", &[ip("10.0.0.1")])
            .with("mixed.test", &[ip("93.184.216.34"), ip("10.0.0.1")])
            .with("v6-private.test", &[ip("fd12:3456::1")])
            .with("mapped.test", &[ip("::ffff:192.168.1.1")])
            .with("rebind.test", &[ip("127.0.0.1")])
            .with("cgnat.test", &[ip("100.64.0.1")])
            .with("link-local.test", &[ip("169.254.10.10")])
            .with("metadata.google.internal", &[ip("169.254.169.254")])
            .with("nothing.test", &[]),
    )
}

fn get(url: &str) -> FetchRequest {
    FetchRequest {
        method: http::Method::GET,
        url: url::Url::parse(url).expect("test URL parses"),
        headers: http::HeaderMap::new(),
        body: Bytes::new(),
    }
}

/// Each destination and the code it must be refused with.
const TABLE: &[(&str, &str)] = &[
    ("http://2130706433/", "destination_forbidden"), // decimal 127.0.0.1
    ("http://0177.0.0.1/", "destination_forbidden"), // octal
    ("http://017700000001/", "destination_forbidden"), // octal, one number
    ("http://0x7f.0x0.0x0.0x1/", "destination_forbidden"), // hex
    ("http://0x7f000001/", "destination_forbidden"), // hex, one number
    ("http://127.1/", "destination_forbidden"),      // short form
    ("http://127.0.0.1/", "destination_forbidden"),
    ("http://localhost/", "destination_forbidden"),
    ("http://localhost./", "destination_forbidden"),
    ("http://LOCALHOST/", "destination_forbidden"),
    ("http://api.localhost/", "destination_forbidden"),
    ("http://[::1]/", "destination_forbidden"),
    ("http://[::ffff:127.0.0.1]/", "destination_forbidden"),
    ("http://[::ffff:7f00:1]/", "destination_forbidden"),
    ("http://[::127.0.0.1]/", "destination_forbidden"), // IPv4-compatible
    ("http://[64:ff9b::a9fe:a9fe]/", "destination_forbidden"), // NAT64 of metadata
    ("http://[2002:a9fe:a9fe::]/", "destination_forbidden"), // 6to4 of metadata
    (
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "destination_forbidden",
    ), // Teredo
    (
        "http://169.254.169.254/latest/meta-data/",
        "destination_forbidden",
    ),
    ("http://2852039166/", "destination_forbidden"), // decimal 169.254.169.254
    ("http://[::ffff:a9fe:a9fe]/", "destination_forbidden"),
    ("http://100.100.100.200/", "destination_forbidden"), // Alibaba metadata
    ("http://[fd00:ec2::254]/", "destination_forbidden"), // AWS IPv6 metadata
    ("http://metadata.google.internal/", "destination_forbidden"),
    ("http://10.0.0.1/", "destination_forbidden"),
    ("http://172.16.0.1/", "destination_forbidden"),
    ("http://172.31.255.254/", "destination_forbidden"),
    ("http://192.168.1.1/", "destination_forbidden"),
    ("http://100.64.0.1/", "destination_forbidden"),
    ("http://0.0.0.0/", "destination_forbidden"),
    ("http://0/", "destination_forbidden"),
    ("http://[::]/", "destination_forbidden"),
    ("http://[fe80::1]/", "destination_forbidden"),
    ("http://[fc00::1]/", "destination_forbidden"),
    ("http://224.0.0.1/", "destination_forbidden"),
    ("http://[ff02::1]/", "destination_forbidden"),
    ("http://255.255.255.255/", "destination_forbidden"),
    ("http://192.0.2.1/", "destination_forbidden"), // documentation
    ("http://198.18.0.1/", "destination_forbidden"), // benchmarking
    ("http://240.0.0.1/", "destination_forbidden"), // reserved
    ("http://[2001:db8::1]/", "destination_forbidden"), // documentation
    ("http://evil.test/", "destination_forbidden"),
    ("http://mixed.test/", "destination_forbidden"), // one public, one private: all refused
    ("http://v6-private.test/", "destination_forbidden"),
    ("http://mapped.test/", "destination_forbidden"),
    ("http://rebind.test/", "destination_forbidden"),
    ("http://cgnat.test/", "destination_forbidden"),
    ("http://link-local.test/", "destination_forbidden"),
    ("http://nothing.test/", "no_addresses"),
    ("http://unknown.test/", "dns_failed"),
    ("http://a@127.0.0.1/", "userinfo_forbidden"),
    ("https://user:secret@example.com/", "userinfo_forbidden"),
    ("file:///etc/passwd", "scheme_forbidden"),
    ("gopher://127.0.0.1:70/_stats", "scheme_forbidden"),
    ("ftp://example.com/", "scheme_forbidden"),
    ("dict://127.0.0.1:11211/stats", "scheme_forbidden"),
    ("http://93.184.216.34:22/", "port_forbidden"),
    ("https://93.184.216.34:6379/", "port_forbidden"),
    ("http://93.184.216.34:443/", "port_forbidden"), // https's port over http
];

#[tokio::test]
async fn every_destination_in_the_table_is_refused_with_its_code() {
    let fetcher = Fetcher::with_resolver(FetchPolicy::default(), attacker_dns()).expect("fetcher");
    let mut wrong = Vec::new();
    for (url, expected) in TABLE {
        let sent = fetcher.send(get(url)).await;
        let checked = fetcher.check_url(&get(url).url).await;
        let sent_code = sent.as_ref().err().map(FetchError::code);
        let checked_code = checked.as_ref().err().map(FetchError::code);
        if sent_code != Some(*expected) || checked_code != Some(*expected) {
            wrong.push(format!(
                "{url}: expected {expected}, send gave {sent:?}, check_url gave {checked:?}"
            ));
        }
    }
    assert!(TABLE.len() >= 30);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn plain_http_is_refused_when_the_policy_allows_only_https() {
    let policy = FetchPolicy {
        allow_http: false,
        ..FetchPolicy::default()
    };
    let fetcher = Fetcher::with_resolver(policy, attacker_dns()).expect("fetcher");
    let error = fetcher
        .send(get("http://93.184.216.34/"))
        .await
        .expect_err("http refused");
    assert_eq!(error.code(), "scheme_forbidden");
}

#[tokio::test]
async fn a_local_server_is_refused_without_the_allow_list_and_receives_nothing() {
    let server = support::serve(Arc::new(|_: &str| support::response("200 OK", &[], b"hi"))).await;
    let policy = FetchPolicy {
        allowed_ports: vec![server.addr.port()],
        ..FetchPolicy::default()
    };
    let fetcher = Fetcher::with_resolver(policy, attacker_dns()).expect("fetcher");
    let error = fetcher
        .send(get(server.url("/").as_str()))
        .await
        .expect_err("loopback refused");
    assert_eq!(error.code(), "destination_forbidden");
    assert!(server.received().is_empty());
}

/// A fetcher that may reach only `port` on 127.0.0.1 and follows up to three redirects.
fn redirect_fetcher(port: u16) -> Fetcher {
    let policy = FetchPolicy {
        allow: vec!["127.0.0.1/32".parse().expect("net")],
        allowed_ports: vec![port],
        max_redirects: 3,
        ..FetchPolicy::default()
    };
    Fetcher::with_resolver(policy, attacker_dns()).expect("fetcher")
}

#[tokio::test]
async fn redirects_to_internal_destinations_are_refused_at_the_hop() {
    let internal = support::serve(Arc::new(|_: &str| {
        support::response("200 OK", &[], b"secret")
    }))
    .await;
    let internal_url = internal.url("/admin").to_string();
    let server = support::serve(Arc::new(move |path: &str| match path {
        "/metadata" => support::found("http://169.254.169.254/latest/meta-data/"),
        "/metadata-decimal" => support::found("http://2852039166/"),
        "/metadata-nat64" => support::found("http://[64:ff9b::a9fe:a9fe]/"),
        "/other-port" => support::found(&internal_url),
        "/chain-1" => support::found("/chain-2"),
        "/chain-2" => support::found(&internal_url),
        "/evil-name" => support::found("http://evil.test/"),
        "/file" => support::found("file:///etc/passwd"),
        "/userinfo" => support::found("http://user@example.com/"),
        "/ssh" => support::found("http://93.184.216.34:22/"),
        "/garbage" => support::found("http://[::1/"),
        _ => support::response("404 Not Found", &[], b""),
    }))
    .await;
    let fetcher = redirect_fetcher(server.addr.port());
    let cases = [
        ("/metadata", "destination_forbidden"),
        ("/metadata-decimal", "destination_forbidden"),
        ("/metadata-nat64", "destination_forbidden"),
        ("/other-port", "port_forbidden"),
        ("/chain-1", "port_forbidden"),
        ("/evil-name", "destination_forbidden"),
        ("/file", "scheme_forbidden"),
        ("/userinfo", "userinfo_forbidden"),
        ("/ssh", "port_forbidden"),
        ("/garbage", "invalid_url"),
    ];
    for (path, reason_code) in cases {
        let error = fetcher
            .send(get(server.url(path).as_str()))
            .await
            .expect_err(path);
        assert_eq!(error.code(), "redirect_forbidden", "{path}: {error}");
        let FetchError::RedirectForbidden { reason, .. } = &error else {
            unreachable!("code and variant agree")
        };
        assert_eq!(reason.code(), reason_code, "{path}: {error}");
    }
    assert!(
        internal.received().is_empty(),
        "the internal server was reached"
    );
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_limit() {
    let server = support::serve(Arc::new(|_: &str| support::found("/again"))).await;
    let fetcher = redirect_fetcher(server.addr.port());
    let error = fetcher
        .send(get(server.url("/again").as_str()))
        .await
        .expect_err("loop refused");
    assert_eq!(error.code(), "too_many_redirects");
    // The first request and three followed redirects.
    assert_eq!(server.received().len(), 4);
}

#[tokio::test]
async fn a_name_with_one_allowed_and_one_forbidden_address_is_refused_whole() {
    let server = support::serve(Arc::new(|_: &str| support::response("200 OK", &[], b"hi"))).await;
    let resolver = StaticResolver::new().with("split.test", &[server.addr.ip(), ip("10.0.0.1")]);
    let policy = FetchPolicy {
        allow: vec!["127.0.0.1/32".parse().expect("net")],
        allowed_ports: vec![server.addr.port()],
        ..FetchPolicy::default()
    };
    let fetcher = Fetcher::with_resolver(policy, Arc::new(resolver)).expect("fetcher");
    let url = format!("http://split.test:{}/", server.addr.port());
    let error = fetcher.send(get(&url)).await.expect_err("refused");
    assert_eq!(error.code(), "destination_forbidden");
    assert!(
        server.received().is_empty(),
        "the allowed address was tried"
    );
}
