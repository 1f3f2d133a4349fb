//! The hostile-token corpus of nexus-http, run through the gateway: every case is refused
//! with 401 and the same code as at the services.

#[path = "../../../../crates/nexus-http/tests/support/token_corpus.rs"]
mod token_corpus;

use nexus_testkit::TestContext;
use serde_json::Value;

use crate::helpers::{Upstream, gateway, http, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_token_is_refused_by_the_gateway_with_its_code() {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.runtime.tokens.issuer = token_corpus::ISSUER.into();
    settings.runtime.tokens.audience = token_corpus::AUDIENCE.into();
    settings.runtime.tokens.jwks = Some(token_corpus::JWKS.into());
    settings.runtime.tokens.jwks_url = None;
    // Every case is a failed authentication from one address; this test is about the codes,
    // not the failed-authentication quota (revocation.rs tests that).
    settings.service.rate_limit.auth_failures_per_ip.burst = 1000;
    let service = gateway(&context, settings).await;
    let url = format!("{}/api/v1/scans", service.base_url());

    let genuine = http()
        .get(&url)
        .bearer_auth(token_corpus::valid_rs256())
        .send()
        .await
        .unwrap();
    assert_eq!(genuine.status(), 200, "the corpus's own valid token passes");

    let cases = token_corpus::corpus();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for (name, authorization, mut expected) in cases {
        // Over a real socket trailing whitespace is not part of a header value (RFC 9110
        // §5.5): "Bearer  " arrives as "Bearer", a missing token.
        if name == "bearer with blank token" {
            expected = "token_missing";
        }
        let mut request = http().get(&url);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if status != 401 || body["code"] != expected {
            failures.push(format!(
                "{name}: got {status} {body}, expected 401 {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
