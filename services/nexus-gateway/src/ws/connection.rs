//! One WebSocket client: sign-in, then messages, heartbeats and delivery until it leaves.

use std::time::Instant;

use actix_http::ws::Message;
use actix_web::web;
use chrono::Utc;
use nexus_client::{CallContext, ClientError};
use nexus_core::Role;
use nexus_proto::user::WsKeyOwner;
use nexus_proto::ws::{
    AuthData, CLOSE_AUTH_FAILED, CLOSE_SLOW_CONSUMER, ClientMessage, ServerMessage, SignedChallenge,
};

use crate::GatewayService;
use crate::domain::ws_auth::verify_challenge;
use crate::ws::hub::Registration;
use crate::ws::topics::{TopicRefusal, authorize_topic};
use crate::ws::transport::{Closer, Inbound, ping_frame, pong_frame, text_frame};

/// A signed-in client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsIdentity {
    /// The account.
    pub user_id: String,
    /// Its highest role.
    pub role: Role,
}

/// A refused sign-in: what the client is told and the metric label.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignInFailure {
    code: &'static str,
    message: String,
    reason: &'static str,
}

impl SignInFailure {
    fn new(code: &'static str, message: impl Into<String>, reason: &'static str) -> Self {
        Self {
            code,
            message: message.into(),
            reason,
        }
    }
}

/// The client's half of the wire: its queue (through the hub registration) and the closer of
/// its response body.
pub struct Wire {
    /// The hub's side of this connection; also how answers are queued.
    pub registration: Registration,
    /// Ends the response with a close frame.
    pub closer: Closer,
    /// Messages from the client.
    pub inbound: Inbound,
}

/// Queues `message`; false when the client's queue is full or gone.
fn send(registration: &Registration, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => registration.send(text_frame(&text)),
        Err(_) => false,
    }
}

fn error(code: &str, message: impl Into<String>) -> ServerMessage {
    ServerMessage::Error {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Serves one connection until it ends. `signed_in` is set when the upgrade request carried a
/// valid access token.
pub async fn serve(gateway: web::Data<GatewayService>, wire: Wire, signed_in: Option<WsIdentity>) {
    let Wire {
        registration,
        closer,
        mut inbound,
    } = wire;
    let settings = gateway.settings.ws.clone();
    let metrics = gateway.metrics.clone();
    metrics.ws_connections.inc();
    let identity = match signed_in {
        Some(identity) => identity,
        None => {
            send(&registration, &ServerMessage::AuthRequired);
            let outcome = tokio::time::timeout(
                settings.auth_timeout,
                sign_in(&gateway, &registration, &mut inbound),
            )
            .await
            .unwrap_or_else(|_elapsed| {
                metrics.ws_dropped("auth_timeout");
                Err(SignInFailure::new(
                    "auth_timeout",
                    "Sign in within the time allowed after connecting.",
                    "timeout",
                ))
            });
            match outcome {
                Ok(identity) => identity,
                Err(failure) => {
                    metrics.ws_auth_failed(failure.reason);
                    send(&registration, &error(failure.code, failure.message));
                    tokio::time::sleep(settings.close_delay).await;
                    closer.close(CLOSE_AUTH_FAILED, failure.code);
                    metrics.ws_connections.dec();
                    return;
                }
            }
        }
    };
    let session_id = uuid::Uuid::now_v7().to_string();
    let success = ServerMessage::AuthSuccess {
        user_id: identity.user_id.clone(),
        session_id: session_id.clone(),
    };
    if !send(&registration, &success) {
        metrics.ws_connections.dec();
        return;
    }
    let engine = identity.role >= Role::Analyst;
    if engine {
        gateway
            .hub
            .presence()
            .connected(&identity.user_id, &session_id)
            .await;
    }
    let (reason, close) = run(
        &gateway,
        &identity,
        &session_id,
        engine,
        &registration,
        &mut inbound,
    )
    .await;
    if let Some((code, description)) = close {
        closer.close(code, description);
    }
    gateway.hub.remove(registration.id).await;
    if engine {
        gateway
            .hub
            .presence()
            .disconnected(&session_id, reason)
            .await;
    }
    metrics.ws_connections.dec();
}

/// Waits for the `auth` message (answering pings meanwhile).
async fn sign_in(
    gateway: &GatewayService,
    registration: &Registration,
    inbound: &mut Inbound,
) -> Result<WsIdentity, SignInFailure> {
    loop {
        let message = match inbound.recv().await {
            Some(Ok(message)) => message,
            Some(Err(_)) | None => {
                return Err(SignInFailure::new(
                    "auth_failed",
                    "The connection ended.",
                    "closed",
                ));
            }
        };
        gateway.metrics.ws_messages_in.inc();
        let text = match message {
            Message::Ping(bytes) => {
                registration.send(pong_frame(&bytes));
                continue;
            }
            Message::Pong(_) | Message::Nop => continue,
            Message::Text(text) => text,
            _ => {
                return Err(SignInFailure::new(
                    "auth_required",
                    "Sign in first with {\"type\":\"auth\",\"data\":{...}}.",
                    "no_auth",
                ));
            }
        };
        return match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::Auth {
                data: AuthData::Token { token },
            }) => {
                let identity =
                    gateway
                        .authenticator
                        .identity_from_token(&token)
                        .map_err(|error| {
                            use nexus_http::HttpError;
                            SignInFailure::new("auth_failed", error.to_string(), error.code())
                        })?;
                Ok(WsIdentity {
                    user_id: identity.claims.sub,
                    role: identity.role,
                })
            }
            Ok(ClientMessage::Auth {
                data: AuthData::Signed(challenge),
            }) => sign_in_with_key(gateway, &challenge).await,
            _ => Err(SignInFailure::new(
                "auth_required",
                "Sign in first with {\"type\":\"auth\",\"data\":{...}}.",
                "no_auth",
            )),
        };
    }
}

/// The dashboard's Ed25519 sign-in: strict signature, fresh timestamp, single-use nonce, a
/// key registered with the user service.
async fn sign_in_with_key(
    gateway: &GatewayService,
    challenge: &SignedChallenge,
) -> Result<WsIdentity, SignInFailure> {
    let skew = gateway.settings.ws.max_clock_skew;
    let skew_seconds = i64::try_from(skew.as_secs()).unwrap_or(i64::MAX);
    let key = verify_challenge(challenge, Utc::now().timestamp(), skew_seconds)
        .map_err(|error| SignInFailure::new("auth_failed", error.to_string(), error.reason()))?;
    // Remembered for twice the window: any replay of it is stale or a duplicate.
    let nonce_key = gateway
        .bus
        .key(&format!("gateway:ws:nonce:{key}:{}", challenge.nonce));
    let first_use: Option<String> = redis::cmd("SET")
        .arg(&nonce_key)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(skew.as_secs().saturating_mul(2).max(1) + 1)
        .query_async(&mut gateway.bus.connection())
        .await
        .map_err(|redis_error| {
            tracing::warn!(error = %redis_error, "Recording a WebSocket nonce failed.");
            SignInFailure::new(
                "auth_failed",
                "Sign-in is unavailable; retry shortly.",
                "unavailable",
            )
        })?;
    if first_use.is_none() {
        return Err(SignInFailure::new(
            "auth_failed",
            "This nonce was used already; sign a fresh one.",
            "replayed_nonce",
        ));
    }
    let path = format!("/internal/v1/ws-keys/{key}");
    match gateway
        .user_client
        .get::<WsKeyOwner>(&CallContext::none(), &path)
        .await
    {
        Ok(owner) => {
            let role = owner
                .roles
                .iter()
                .filter_map(|name| name.parse::<Role>().ok())
                .max()
                .unwrap_or(Role::User);
            Ok(WsIdentity {
                user_id: owner.user_id.to_string(),
                role,
            })
        }
        Err(ClientError::Api { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
            Err(SignInFailure::new(
                "unknown_key",
                "This key is not registered (or was revoked); register it in your account.",
                "unknown_key",
            ))
        }
        Err(other) => {
            tracing::warn!(error = %other, "Looking up a WebSocket key failed.");
            Err(SignInFailure::new(
                "auth_failed",
                "Sign-in is unavailable; retry shortly.",
                "unavailable",
            ))
        }
    }
}

/// The signed-in loop (deliveries bypass it: the hub queues frames for the response body).
/// Returns why it ended (`closed`, `timed_out`, `slow_consumer`, `error`) and the close frame
/// to send, if any.
async fn run(
    gateway: &GatewayService,
    identity: &WsIdentity,
    session_id: &str,
    engine: bool,
    registration: &Registration,
    inbound: &mut Inbound,
) -> (&'static str, Option<(u16, &'static str)>) {
    let settings = &gateway.settings.ws;
    let metrics = &gateway.metrics;
    let mut heartbeat = tokio::time::interval(settings.heartbeat_interval);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    heartbeat.tick().await;
    let mut last_seen = Instant::now();
    let slow = registration.slow.clone();
    loop {
        tokio::select! {
            () = slow.cancelled() => {
                metrics.ws_dropped("slow_consumer");
                return ("slow_consumer", Some((CLOSE_SLOW_CONSUMER, "slow consumer")));
            }
            incoming = inbound.recv() => {
                let message = match incoming {
                    None => return ("closed", None),
                    Some(Err(actix_http::ws::ProtocolError::Overflow)) => {
                        return ("error", Some((1009, "message too large")));
                    }
                    Some(Err(_)) => return ("error", Some((1002, "protocol error"))),
                    Some(Ok(message)) => message,
                };
                last_seen = Instant::now();
                metrics.ws_messages_in.inc();
                if engine {
                    gateway.hub.presence().heartbeat(session_id);
                }
                match message {
                    Message::Ping(bytes) => {
                        registration.send(pong_frame(&bytes));
                    }
                    Message::Text(text) => {
                        let answer = handle_text(gateway, identity, registration, &text).await;
                        send(registration, &answer);
                    }
                    Message::Close(_) => return ("closed", Some((1000, "bye"))),
                    Message::Binary(_) => {
                        send(registration, &error("invalid_message", "Send JSON text messages."));
                    }
                    _ => {}
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > settings.client_timeout {
                    metrics.ws_dropped("timed_out");
                    return ("timed_out", Some((1001, "no heartbeat")));
                }
                registration.send(ping_frame());
            }
        }
    }
}

async fn handle_text(
    gateway: &GatewayService,
    identity: &WsIdentity,
    registration: &Registration,
    text: &str,
) -> ServerMessage {
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => message,
        Err(parse_error) => {
            return error(
                "invalid_message",
                format!("Not a message of this protocol: {parse_error}."),
            );
        }
    };
    match message {
        ClientMessage::Ping => ServerMessage::Pong,
        ClientMessage::Auth { .. } => {
            error("invalid_message", "This connection is signed in already.")
        }
        ClientMessage::Subscribe { topic } => {
            match authorize_topic(&topic, &identity.user_id, identity.role) {
                Ok(key) => match gateway.hub.subscribe(registration, &key).await {
                    Ok(_) => ServerMessage::Subscribed { topic },
                    Err(bus_error) => {
                        tracing::warn!(error = %bus_error, topic = %key, "Subscribing to a live stream failed.");
                        error(
                            "topic_unavailable",
                            "Live updates are unavailable; retry shortly.",
                        )
                    }
                },
                Err(TopicRefusal::Forbidden) => error(
                    "topic_forbidden",
                    format!("You may not subscribe to {topic}."),
                ),
                Err(TopicRefusal::Unknown) => error(
                    "topic_unknown",
                    format!(
                        "{topic} is not a topic: use bounties, bounty:{{id}}, analysis:{{id}}, user or leaderboard."
                    ),
                ),
            }
        }
        ClientMessage::Unsubscribe { topic } => {
            if let Ok(key) = authorize_topic(&topic, &identity.user_id, identity.role) {
                gateway.hub.unsubscribe(registration.id, &key).await;
            }
            ServerMessage::Unsubscribed { topic }
        }
    }
}
