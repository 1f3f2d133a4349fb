//! Load tools for `scripts/bench-gateway.sh` (run with `cargo bench -p nexus-gateway --bench
//! gateway_bench -- <command>`):
//!
//! - `keys <issuer> <audience> <dir>`: writes `jwks.json` and `token` (a one-hour EdDSA access
//!   token for a `user`), so the gateway under test validates real signatures.
//! - `fanout <ws-url> <clients> <events/s per client> <seconds> <redis-url> <channel> [token]
//!   [topics]`: opens `clients` WebSocket connections (signed in with `token` when it is not
//!   empty), subscribes each to `bounties` (topics = 0) or to `bounty:{i mod topics}`, publishes
//!   events carrying their send time on the Redis `channel`, and prints deliveries per second
//!   and delivery latency percentiles measured at the clients (see `fanout.rs`).
//!   `FANOUT_THREADS` sets the client threads (default 2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod fanout;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use fanout::micros_now;

fn keys(issuer: &str, audience: &str, dir: &str) {
    use base64::Engine;
    let seed: [u8; 32] = rand::random();
    let key = SigningKey::from_bytes(&seed);
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
    let jwks = serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "bench-1", "alg": "EdDSA", "use": "sig", "x": x}]});
    let now = micros_now() / 1_000_000;
    let claims = serde_json::json!({
        "iss": issuer, "aud": audience, "sub": uuid::Uuid::now_v7().to_string(),
        "exp": now + 3600, "nbf": now - 5, "iat": now - 5, "jti": uuid::Uuid::now_v7().to_string(),
        "roles": ["user"], "amr": ["pwd"]
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some("bench-1".into());
    let der = key.to_pkcs8_der().unwrap();
    let encoding = jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes());
    let token = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
    std::fs::write(format!("{dir}/jwks.json"), jwks.to_string()).unwrap();
    std::fs::write(format!("{dir}/token"), token).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("keys") => keys(&args[1], &args[2], &args[3]),
        Some("fanout") => fanout::run(fanout::Plan {
            url: args[1].clone(),
            clients: args[2].parse().unwrap(),
            rate: args[3].parse().unwrap(),
            seconds: args[4].parse().unwrap(),
            redis_url: args[5].clone(),
            channel: args[6].clone(),
            token: args.get(7).filter(|token| !token.is_empty()).cloned(),
            topics: args.get(8).map_or(0, |topics| topics.parse().unwrap()),
            threads: std::env::var("FANOUT_THREADS").map_or(2, |threads| threads.parse().unwrap()),
        }),
        _ => println!(
            "usage: gateway_bench keys <issuer> <audience> <dir> | fanout <ws-url> <clients> <events/s> <seconds> <redis-url> <channel> [token] [topics]"
        ),
    }
}
