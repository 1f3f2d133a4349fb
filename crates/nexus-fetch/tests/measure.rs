//! Rough costs of the fetcher, run by hand: `cargo nextest run -p nexus-fetch --test measure
//! --run-ignored only --no-capture`. Prints numbers; asserts nothing about speed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

mod support;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use nexus_fetch::{FetchPolicy, FetchRequest, Fetcher};

#[tokio::test]
#[ignore = "a measurement, run by hand"]
async fn measure_building_and_sending() {
    let server = support::serve(Arc::new(|_: &str| support::response("200 OK", &[], b"ok"))).await;
    let policy = FetchPolicy {
        allow: vec!["127.0.0.0/8".parse().expect("net")],
        allowed_ports: vec![server.addr.port()],
        ..FetchPolicy::default()
    };
    let builds = 20;
    let started = Instant::now();
    for _ in 0..builds {
        Fetcher::new(policy.clone()).expect("fetcher");
    }
    let per_build = started.elapsed() / builds;
    let fetcher = Fetcher::new(policy).expect("fetcher");
    let sends = 500;
    let started = Instant::now();
    for _ in 0..sends {
        let response = fetcher
            .send(FetchRequest {
                method: http::Method::POST,
                url: server.url("/hook"),
                headers: http::HeaderMap::new(),
                body: Bytes::from_static(b"{}"),
            })
            .await
            .expect("sent");
        assert_eq!(response.status, 200);
    }
    let per_send = started.elapsed() / sends;
    println!(
        "Fetcher::new: {per_build:?} each; sequential send to a local server: {per_send:?} each"
    );
}
