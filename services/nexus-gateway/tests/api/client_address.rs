//! Who the client is, through the real gateway: a peer in a trusted proxy range (as the
//! ingress controller's pods are) reports the client in `X-Forwarded-For`, read right to left;
//! any other peer is the client. Upstreams get that address with the service token that makes
//! it believable (nexus-auth ignores the address without it).

use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, http, settings};

/// What the upstream saw of one `GET /api/v1/bounties/1` sent with `forwarded_for`, through a
/// gateway that trusts `trusted_proxies`.
async fn upstream_headers(trusted_proxies: &[&str], forwarded_for: &str) -> (Value, String) {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut configured = settings(&context, &upstream.url);
    configured.service.trusted_proxies = trusted_proxies
        .iter()
        .map(|entry| entry.parse().unwrap())
        .collect();
    let service = gateway(&context, configured).await;
    let echoed: Value = http()
        .get(format!("{}/api/v1/bounties/1", service.base_url()))
        .header("x-forwarded-for", forwarded_for)
        // A client's own copies never pass.
        .header("x-nexus-client-ip", "192.0.2.66")
        .header(
            "x-nexus-service-token",
            "forged-forged-forged-forged-forged",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (echoed["headers"].clone(), context.service_token.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_range_the_right_most_untrusted_forwarded_address_is_the_client() {
    // The test client connects from 127.0.0.1, inside 127.0.0.0/8: it plays the ingress
    // controller. The left-most entry is what a client wrote itself; 10.1.2.3 is a trusted hop.
    let (headers, service_token) = upstream_headers(
        &["10.0.0.0/8", "127.0.0.0/8"],
        "1.2.3.4, 203.0.113.9, 10.1.2.3",
    )
    .await;
    assert_eq!(headers["x-nexus-client-ip"], "203.0.113.9", "{headers}");
    assert_eq!(
        headers["x-forwarded-for"], "1.2.3.4, 203.0.113.9, 10.1.2.3, 127.0.0.1",
        "{headers}"
    );
    assert_eq!(headers["x-nexus-service-token"], service_token.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_outside_every_trusted_range_is_the_client_whatever_it_forwards() {
    let (headers, service_token) = upstream_headers(&["10.0.0.0/8"], "203.0.113.9").await;
    assert_eq!(headers["x-nexus-client-ip"], "127.0.0.1", "{headers}");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1", "{headers}");
    // The token goes with every forwarded request, so the address is believed upstream.
    assert_eq!(headers["x-nexus-service-token"], service_token.as_str());
}
