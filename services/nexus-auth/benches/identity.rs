//! Identity latency bench: key generation, signing and verification per algorithm, and API-key
//! introspection over HTTP against real PostgreSQL and Redis.
//!
//! Run: `cargo bench -p nexus-auth --bench identity` (release profile; needs the local
//! PostgreSQL and Redis that `scripts/test.sh` starts).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    missing_docs
)]

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use nexus_auth::keys::{Signer, generate_key};
use nexus_auth::settings::{AuthSettings, SigningAlgorithm};
use nexus_http::token::TokenValidator;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect, spawn_auth, temp_keys_dir};

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples[index]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(measure());
}

async fn measure() {
    for algorithm in [SigningAlgorithm::Rs256, SigningAlgorithm::Eddsa] {
        let dir = temp_keys_dir();
        let started = Instant::now();
        generate_key(&dir, algorithm).unwrap();
        let generated = started.elapsed();
        let settings = AuthSettings {
            keys_dir: dir.clone(),
            signing_algorithm: algorithm,
            ..AuthSettings::default()
        };
        let signer = Signer::load(&settings).unwrap();
        let ctx = nexus_testkit::TestContext::new().await.unwrap();
        let mut claims = ctx.claims("00000000-0000-7000-8000-000000000000", &["user"]);
        let validator = TokenValidator::new(ctx.tokens.settings().rules(), signer.key_set());
        let mut sign = Vec::new();
        let mut verify = Vec::new();
        for index in 0..500 {
            claims.jti = format!("jti-{index}");
            let started = Instant::now();
            let token = signer.sign(&claims).unwrap();
            sign.push(started.elapsed());
            let started = Instant::now();
            validator.validate(&token).unwrap();
            verify.push(started.elapsed());
        }
        eprintln!(
            "{algorithm:?}: keygen {generated:?}; sign p50 {:?} p99 {:?}; verify p50 {:?} p99 {:?}",
            percentile(&mut sign, 0.5),
            percentile(&mut sign, 0.99),
            percentile(&mut verify, 0.5),
            percentile(&mut verify, 0.99),
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    let auth = spawn_auth(|_| {}).await;
    let (_, token) = auth.user_token(&["user"]);
    let created = auth
        .post(
            "/v1/api-keys",
            Some(&token),
            &json!({"name": "m", "scopes": ["bounty:read"]}),
        )
        .await;
    let key = expect(created, StatusCode::CREATED, None).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut introspect = Vec::new();
    for _ in 0..300 {
        let started = Instant::now();
        let response = auth
            .post(
                "/internal/v1/api-keys/introspect",
                None,
                &json!({"key": key}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let _ = response.bytes().await.unwrap();
        introspect.push(started.elapsed());
    }
    eprintln!(
        "introspect over HTTP (EdDSA, Postgres update + sign): p50 {:?} p99 {:?}",
        percentile(&mut introspect, 0.5),
        percentile(&mut introspect, 0.99),
    );
}
