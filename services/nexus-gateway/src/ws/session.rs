//! The signed-in part of a connection: messages, heartbeats, subscriptions (authorized, capped)
//! and the end of the session when its credential ends.
//!
//! A session ends, with an `error` message and then a close frame, when:
//! - its access token expires (`session_expired`, close 4002 `token expired`);
//! - its account's tokens are revoked (disabled, banned, role or password changed, signed out
//!   everywhere): H2's revocation marks, broadcast by [`Revocations::subscribe`]
//!   (`session_revoked`, close 4003);
//! - its Ed25519 key is revoked (the user service's `Ed25519KeyRevoked`, rebroadcast by the hub)
//!   or the user service stops knowing the key (re-checked every `ws.key_recheck_interval`,
//!   which also catches a disabled account and an announcement pub/sub lost).
//!
//! [`Revocations::subscribe`]: nexus_runtime::revocation::Revocations::subscribe

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_http::ws::Message;
use nexus_client::ClientError;
use nexus_proto::ws::{
    CLOSE_SESSION_EXPIRED, CLOSE_SESSION_REVOKED, CLOSE_SLOW_CONSUMER, ClientMessage, ServerMessage,
};
use nexus_runtime::revocation::Revoked;
use tokio::sync::broadcast::error::RecvError;

use crate::GatewayService;
use crate::ws::access::{TopicCaller, authorize_topic};
use crate::ws::connection::{WsCredential, WsIdentity, error, lookup_key, send};
use crate::ws::hub::Registration;
use crate::ws::topics::TopicRefusal;
use crate::ws::transport::{Inbound, ping_frame, pong_frame};

/// The connection's topics (client name → hub key) and its subscribe budget.
struct Subscriptions {
    keys: HashMap<String, String>,
    budget: SubscribeBudget,
}

/// How a session ends: the reason label and the close frame to send, if any.
pub type Ending = (&'static str, Option<(u16, &'static str)>);

/// Far enough away to stand for "never" (key sessions have no expiry).
const NEVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The window of [`SubscribeBudget`].
const SUBSCRIBE_WINDOW: Duration = Duration::from_secs(60);

/// Subscribe requests of one connection in the current minute (`ws.subscribes_per_minute`):
/// each may cost a policy decision and a call to the owning service, so a client cannot turn
/// one connection into a stream of calls.
struct SubscribeBudget {
    window_started: Instant,
    used: u32,
}

impl SubscribeBudget {
    fn new() -> Self {
        Self {
            window_started: Instant::now(),
            used: 0,
        }
    }

    /// Takes one request from the budget; the wait until the next window when none is left.
    fn take(&mut self, per_minute: u32) -> Result<(), Duration> {
        let elapsed = self.window_started.elapsed();
        if elapsed >= SUBSCRIBE_WINDOW {
            self.window_started = Instant::now();
            self.used = 0;
        }
        if self.used >= per_minute {
            return Err(SUBSCRIBE_WINDOW.saturating_sub(elapsed));
        }
        self.used += 1;
        Ok(())
    }
}

/// Why the session's credential ended.
enum CredentialEnded {
    Expired,
    Revoked(&'static str),
}

/// The announcements a session listens to, subscribed before the client is told it signed in
/// so nothing announced after that moment is missed.
pub struct Watches {
    revocations: tokio::sync::broadcast::Receiver<Revoked>,
    revoked_keys: tokio::sync::broadcast::Receiver<String>,
}

impl Watches {
    /// Subscribes to the account revocations and the revoked keys.
    pub fn new(gateway: &GatewayService) -> Self {
        Self {
            revocations: gateway.authenticator.revocations().subscribe(),
            revoked_keys: gateway.hub.revoked_keys(),
        }
    }
}

/// The signed-in loop (deliveries bypass it: the hub queues frames for the response body).
/// Returns why it ended and the close frame to send.
pub async fn run(
    gateway: &GatewayService,
    identity: &WsIdentity,
    session_id: &str,
    engine: bool,
    registration: &Registration,
    inbound: &mut Inbound,
    watches: Watches,
) -> Ending {
    let settings = &gateway.settings.ws;
    let metrics = &gateway.metrics;
    let mut heartbeat = tokio::time::interval(settings.heartbeat_interval);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    heartbeat.tick().await;
    let mut recheck = tokio::time::interval(settings.key_recheck_interval);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck.tick().await;
    let expiry = tokio::time::sleep(time_left(&identity.credential));
    tokio::pin!(expiry);
    let Watches {
        mut revocations,
        mut revoked_keys,
    } = watches;
    let mut subscriptions = Subscriptions {
        keys: HashMap::new(),
        budget: SubscribeBudget::new(),
    };
    let mut last_seen = Instant::now();
    let slow = registration.slow.clone();
    let ended = loop {
        tokio::select! {
            () = slow.cancelled() => {
                metrics.ws_dropped("slow_consumer");
                return ("slow_consumer", Some((CLOSE_SLOW_CONSUMER, "slow consumer")));
            }
            () = &mut expiry => break CredentialEnded::Expired,
            revoked = revocations.recv() => {
                if let Some(reason) = account_revoked(gateway, identity, revoked).await {
                    break CredentialEnded::Revoked(reason);
                }
            }
            revoked = revoked_keys.recv() => {
                if let Some(reason) = key_revoked(gateway, identity, revoked).await {
                    break CredentialEnded::Revoked(reason);
                }
            }
            _ = recheck.tick() => {
                if matches!(identity.credential, WsCredential::Key { .. })
                    && let Some(reason) = key_unknown(gateway, identity).await
                {
                    break CredentialEnded::Revoked(reason);
                }
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
                        let answer =
                            handle_text(gateway, identity, registration, &mut subscriptions, &text)
                                .await;
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
    };
    let ending = match ended {
        CredentialEnded::Expired => {
            metrics.ws_dropped("token_expired");
            send(
                registration,
                &error(
                    "session_expired",
                    "Your access token expired; reconnect with a fresh token.",
                ),
            );
            (
                "token_expired",
                Some((CLOSE_SESSION_EXPIRED, "token expired")),
            )
        }
        CredentialEnded::Revoked(reason) => {
            metrics.ws_dropped("revoked");
            tracing::info!(user_id = %identity.user_id, reason, "A WebSocket session was closed: its credential was revoked.");
            send(
                registration,
                &error(
                    "session_revoked",
                    format!("This session ended: {reason}. Sign in again if you still may."),
                ),
            );
            ("revoked", Some((CLOSE_SESSION_REVOKED, "session revoked")))
        }
    };
    // The close frame overtakes queued frames: give the error message a moment to go out.
    tokio::time::sleep(settings.close_delay).await;
    ending
}

/// Time until a token session's token expires (never for key sessions).
fn time_left(credential: &WsCredential) -> Duration {
    match credential {
        WsCredential::Token { claims, .. } => {
            let now = chrono::Utc::now().timestamp().max(0).unsigned_abs();
            Duration::from_secs(claims.exp.saturating_sub(now))
        }
        WsCredential::Key { .. } => NEVER,
    }
}

/// Whether a broadcast revocation ends this session; after a lag, the marks are consulted
/// (token sessions) or the key re-checked (key sessions).
async fn account_revoked(
    gateway: &GatewayService,
    identity: &WsIdentity,
    revoked: Result<Revoked, RecvError>,
) -> Option<&'static str> {
    let revocations = gateway.authenticator.revocations();
    match (revoked, &identity.credential) {
        (Ok(revoked), _) if revoked.user_id() != identity.user_id => None,
        (Ok(Revoked::ApiKey { .. }), _) => None,
        (
            Ok(Revoked::Account { .. }) | Err(RecvError::Lagged(_)),
            WsCredential::Token { claims, .. },
        ) => revocations
            .is_revoked(claims)
            .then_some("the account's sessions were revoked"),
        (
            Ok(Revoked::Account { not_before_ms, .. }),
            WsCredential::Key {
                signed_in_at_ms, ..
            },
        ) => (not_before_ms > *signed_in_at_ms).then_some("the account's sessions were revoked"),
        (Err(RecvError::Lagged(_)), WsCredential::Key { .. }) => {
            key_unknown(gateway, identity).await
        }
        (Err(RecvError::Closed), _) => None,
    }
}

/// Whether an announced key revocation ends this key session.
async fn key_revoked(
    gateway: &GatewayService,
    identity: &WsIdentity,
    revoked: Result<String, RecvError>,
) -> Option<&'static str> {
    let WsCredential::Key { public_key_hex, .. } = &identity.credential else {
        return None;
    };
    match revoked {
        Ok(key) => (&key == public_key_hex).then_some("the key was revoked"),
        Err(RecvError::Lagged(_)) => key_unknown(gateway, identity).await,
        Err(RecvError::Closed) => None,
    }
}

/// Asks the user service whether the session's key still belongs to its (active) account. An
/// unavailable user service keeps the session: one outage should not drop every engine.
async fn key_unknown(gateway: &GatewayService, identity: &WsIdentity) -> Option<&'static str> {
    let WsCredential::Key { public_key_hex, .. } = &identity.credential else {
        return None;
    };
    match lookup_key(gateway, public_key_hex).await {
        Ok(owner) if owner.user_id.to_string() == identity.user_id => None,
        Ok(_) => Some("the key belongs to another account now"),
        Err(ClientError::Api { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
            Some("the key was revoked or its account disabled")
        }
        Err(other) => {
            tracing::warn!(error = %other, "Re-checking a WebSocket key failed; the session stays open.");
            None
        }
    }
}

async fn handle_text(
    gateway: &GatewayService,
    identity: &WsIdentity,
    registration: &Registration,
    subscriptions: &mut Subscriptions,
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
            subscribe(gateway, identity, registration, subscriptions, topic).await
        }
        ClientMessage::Unsubscribe { topic } => {
            if let Some(key) = subscriptions.keys.remove(&topic) {
                gateway.hub.unsubscribe(registration.id, &key).await;
            }
            ServerMessage::Unsubscribed { topic }
        }
    }
}

async fn subscribe(
    gateway: &GatewayService,
    identity: &WsIdentity,
    registration: &Registration,
    subscriptions: &mut Subscriptions,
    topic: String,
) -> ServerMessage {
    if subscriptions.keys.contains_key(&topic) {
        return ServerMessage::Subscribed { topic };
    }
    let most = gateway.settings.ws.max_subscriptions;
    if subscriptions.keys.len() >= most {
        return error(
            "too_many_subscriptions",
            format!(
                "This connection holds {most} subscriptions, the most allowed; unsubscribe from one before subscribing to {topic}."
            ),
        );
    }
    if let Err(wait) = subscriptions
        .budget
        .take(gateway.settings.ws.subscribes_per_minute)
    {
        return error(
            "subscribe_rate_limited",
            format!(
                "This connection sent {} subscribe requests this minute, the most allowed; retry in {} s.",
                gateway.settings.ws.subscribes_per_minute,
                wait.as_secs().max(1)
            ),
        );
    }
    let caller = TopicCaller {
        user_id: &identity.user_id,
        role: identity.role,
        token: match &identity.credential {
            WsCredential::Token { claims, token } => Some((claims.as_ref(), token.as_str())),
            WsCredential::Key { .. } => None,
        },
    };
    match authorize_topic(gateway, &caller, &topic).await {
        Ok(key) => match gateway.hub.subscribe(registration, &key).await {
            Ok(_) => {
                subscriptions.keys.insert(topic.clone(), key);
                ServerMessage::Subscribed { topic }
            }
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
            format!("You may not subscribe to {topic}: the policies do not let you read it."),
        ),
        Err(TopicRefusal::Unavailable) => error(
            "topic_unavailable",
            format!("Whether you may read {topic} cannot be checked right now; retry shortly."),
        ),
        Err(TopicRefusal::Unknown) => error(
            "topic_unknown",
            format!(
                "{topic} is not a topic: use bounties, bounty:{{id}}, analysis:{{id}}, user or leaderboard."
            ),
        ),
    }
}
