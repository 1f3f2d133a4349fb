//! Load tools for `scripts/bench-gateway.sh` (run with `cargo bench -p nexus-gateway --bench
//! gateway_bench -- <command>`):
//!
//! - `keys <issuer> <audience> <dir>`: writes `jwks.json` and `token` (a one-hour EdDSA access
//!   token for a `user`), so the gateway under test validates real signatures.
//! - `fanout <ws-url> <clients> <events-per-second> <seconds> <redis-url> <channel> [token]`:
//!   opens `clients` WebSocket connections (signed in with `token` and subscribed to
//!   `bounties` when given; a plain broadcast server otherwise), publishes events carrying their
//!   send time on the Redis `channel`, and prints deliveries per second and delivery latency
//!   percentiles (p50, p99, max) measured at the clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn micros_now() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

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

struct Stats {
    delivered: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

async fn client(url: String, token: Option<String>, stats: Arc<Stats>, ready: Arc<AtomicU64>) {
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = &token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
        return;
    };
    if token.is_some() {
        let _ = socket.next().await;
        let subscribe = r#"{"type":"subscribe","topic":"bounties"}"#;
        socket.send(Message::Text(subscribe.into())).await.unwrap();
        let _ = socket.next().await;
    }
    ready.fetch_add(1, Ordering::Relaxed);
    let mut local = Vec::new();
    while let Some(Ok(message)) = socket.next().await {
        if let Message::Text(text) = message
            && let Some(start) = text.find("\"sent_at\":")
        {
            let digits: String = text[start + 10..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(sent) = digits.parse::<u64>() {
                local.push(micros_now().saturating_sub(sent));
                stats.delivered.fetch_add(1, Ordering::Relaxed);
                if local.len() >= 16 {
                    stats.latencies.lock().await.append(&mut local);
                }
            }
        }
    }
    stats.latencies.lock().await.append(&mut local);
}

async fn fanout(args: &[String]) {
    let url = args[0].clone();
    let clients: u64 = args[1].parse().unwrap();
    let rate: u64 = args[2].parse().unwrap();
    let seconds: u64 = args[3].parse().unwrap();
    let redis_url = &args[4];
    let channel = args[5].clone();
    let token = args.get(6).cloned();
    let stats = Arc::new(Stats {
        delivered: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
    });
    let ready = Arc::new(AtomicU64::new(0));
    for index in 0..clients {
        tokio::spawn(client(
            url.clone(),
            token.clone(),
            stats.clone(),
            ready.clone(),
        ));
        if index % 200 == 199 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = ready.load(Ordering::Relaxed);
    println!("connected {connected}/{clients}");
    let redis = redis::Client::open(redis_url.as_str()).unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut ticker = tokio::time::interval(interval);
    let mut published = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        let envelope = serde_json::json!({
            "id": uuid::Uuid::now_v7(), "name": "BountyOpened", "version": 1,
            "occurred_at": chrono::Utc::now(),
            "payload": {"bounty_id": published, "sent_at": micros_now()}
        });
        let _: i64 = redis::cmd("PUBLISH")
            .arg(&channel)
            .arg(envelope.to_string())
            .query_async(&mut connection)
            .await
            .unwrap();
        published += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let delivered = stats.delivered.load(Ordering::Relaxed);
    let mut latencies = stats.latencies.lock().await.clone();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "published {published} events, delivered {delivered} of {} ({:.0} deliveries/s); latency ms p50 {:.2} p99 {:.2} max {:.2} (sampled {})",
        published * connected,
        delivered as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        percentile(1.0),
        latencies.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    match args.first().map(String::as_str) {
        Some("keys") => keys(&args[1], &args[2], &args[3]),
        Some("fanout") => runtime.block_on(fanout(&args[1..])),
        _ => println!(
            "usage: gateway_bench keys <issuer> <audience> <dir> | fanout <ws-url> <clients> <events/s> <seconds> <redis-url> <channel> [token]"
        ),
    }
}
