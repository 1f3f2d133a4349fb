//! The live feed: the gateway's WebSocket, signed in with the engine's Ed25519 key (the
//! challenge `"{timestamp}:{nonce}"`, signed here; the account registered the public key).
//! Subscribed to `bounties`, every event there nudges the main loop to poll at once; the
//! application-level pings double as the engine's presence heartbeat (the gateway lists
//! signed-in analyst engines at `GET /api/v1/presence`). The feed reconnects after any failure;
//! the engine works without it, polling.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use ed25519_dalek::{Signer, SigningKey};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::run::log;

/// Pause between two heartbeats.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Pause before reconnecting.
const RECONNECT: Duration = Duration::from_secs(5);
/// Time allowed for signing in.
const SIGN_IN: Duration = Duration::from_secs(15);

/// Reads the hex Ed25519 seed in `path`.
pub fn load_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the WebSocket key {}", path.display()))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .with_context(|| {
            format!(
                "{} must hold 64 hex digits (an Ed25519 seed)",
                path.display()
            )
        })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A new random key, written to `path` (owner-only); returns the public key in hex.
pub fn create_key(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        bail!("{} exists already; move it away first", path.display());
    }
    let mut seed = [0_u8; 32];
    rand08::RngCore::fill_bytes(&mut rand08::rngs::OsRng, &mut seed);
    let key = SigningKey::from_bytes(&seed);
    std::fs::write(path, hex::encode(seed))
        .with_context(|| format!("cannot write {}", path.display()))?;
    super::keystore::restrict(path)?;
    Ok(hex::encode(key.verifying_key().as_bytes()))
}

/// Signs `message` with the key in `path` (the user service's key registration challenge);
/// returns the signature in hex.
pub fn sign(path: &Path, message: &str) -> anyhow::Result<String> {
    Ok(hex::encode(
        load_key(path)?.sign(message.as_bytes()).to_bytes(),
    ))
}

/// Keeps the feed up until the process ends.
pub async fn run(gateway_url: String, key: SigningKey, nudge: mpsc::Sender<()>) {
    let url = gateway_url
        .replacen("https://", "wss://", 1)
        .replacen("http://", "ws://", 1)
        + "/ws";
    loop {
        match session(&url, &key, &nudge).await {
            Ok(()) => log("the live feed closed; reconnecting"),
            Err(error) => log(format_args!(
                "the live feed failed ({error:#}); reconnecting"
            )),
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn session(url: &str, key: &SigningKey, nudge: &mpsc::Sender<()>) -> anyhow::Result<()> {
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .context("cannot connect")?;
    let (mut sink, mut stream) = socket.split();
    let timestamp = chrono::Utc::now().timestamp();
    let mut random = [0_u8; 16];
    rand08::RngCore::fill_bytes(&mut rand08::rngs::OsRng, &mut random);
    let nonce = hex::encode(random);
    let signature = key.sign(format!("{timestamp}:{nonce}").as_bytes());
    let auth = json!({"type": "auth", "data": {
        "public_key": hex::encode(key.verifying_key().as_bytes()),
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": hex::encode(signature.to_bytes()),
    }});
    sink.send(Message::Text(auth.to_string().into())).await?;
    let signed_in = tokio::time::timeout(SIGN_IN, async {
        while let Some(frame) = stream.next().await {
            let message = text_message(frame?);
            match message["type"].as_str() {
                Some("auth_success") => return Ok(()),
                Some("error") => bail!("sign-in refused: {}", message["message"]),
                _ => {}
            }
        }
        bail!("closed while signing in")
    })
    .await
    .context("no answer to the sign-in")?;
    signed_in?;
    let subscribe = json!({"type": "subscribe", "topic": "bounties"});
    sink.send(Message::Text(subscribe.to_string().into()))
        .await?;
    log("signed in to the live feed; subscribed to bounties");
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            _ = heartbeat.tick() => {
                sink.send(Message::Text(json!({"type": "ping"}).to_string().into())).await?;
            }
            frame = stream.next() => {
                let Some(frame) = frame else { return Ok(()) };
                let frame = frame?;
                if let Message::Ping(payload) = &frame {
                    sink.send(Message::Pong(payload.clone())).await?;
                    continue;
                }
                let message = text_message(frame);
                if message["type"] == "event" {
                    // A full channel already holds a nudge: the next round sees this too.
                    let _ = nudge.try_send(());
                }
            }
        }
    }
}

fn text_message(frame: Message) -> Value {
    match frame {
        Message::Text(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}
