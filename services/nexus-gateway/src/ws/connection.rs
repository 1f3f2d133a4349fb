//! One WebSocket client: sign-in, then messages, heartbeats and delivery until it leaves.

use actix_http::ws::Message;
use actix_web::web;
use chrono::Utc;
use nexus_client::{CallContext, ClientError};
use nexus_core::Role;
use nexus_http::token::AccessClaims;
use nexus_policy::{Action, DecisionCache, Principal, PublishedPolicies, Request, Resource};
use nexus_proto::user::WsKeyOwner;
use nexus_proto::ws::{AuthData, CLOSE_AUTH_FAILED, ClientMessage, ServerMessage, SignedChallenge};

use crate::GatewayService;
use crate::domain::ws_auth::verify_challenge;
use crate::ws::hub::Registration;
use crate::ws::session::{Watches, run};
use crate::ws::transport::{Closer, Inbound, pong_frame, text_frame};

/// A signed-in client.
#[derive(Debug, Clone)]
pub struct WsIdentity {
    /// The account.
    pub user_id: String,
    /// Its highest role.
    pub role: Role,
    /// What it signed in with; decides when the session ends.
    pub credential: WsCredential,
}

/// What a session signed in with. Its `Debug` form prints the token as `<redacted>`.
#[derive(Clone)]
pub enum WsCredential {
    /// An access token: the session ends when it expires or is revoked.
    Token {
        /// The validated claims.
        claims: Box<AccessClaims>,
        /// The token, to ask owning services about topics on the caller's behalf.
        token: String,
    },
    /// A registered Ed25519 key: the session ends when the key is revoked, or when the user
    /// service no longer knows it (revoked, account disabled), or on any revocation of the
    /// account announced after `signed_in_at_ms`.
    Key {
        /// Lower-case hex public key.
        public_key_hex: String,
        /// When the session signed in, Unix milliseconds.
        signed_in_at_ms: u64,
    },
}

impl std::fmt::Debug for WsCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WsCredential::Token { claims, .. } => f
                .debug_struct("Token")
                .field("claims", claims)
                .field("token", &"<redacted>")
                .finish(),
            WsCredential::Key {
                public_key_hex,
                signed_in_at_ms,
            } => f
                .debug_struct("Key")
                .field("public_key_hex", public_key_hex)
                .field("signed_in_at_ms", signed_in_at_ms)
                .finish(),
        }
    }
}

impl WsIdentity {
    /// The session as the policies see it: the token's principal (highest role, banned
    /// status), or for a key session the key owner's highest role.
    pub fn principal(&self) -> Principal {
        match &self.credential {
            WsCredential::Token { claims, .. } => nexus_runtime::authz::principal_of(claims),
            WsCredential::Key { .. } => Principal::user(&self.user_id, self.role),
        }
    }

    /// The identity of a valid, unrevoked access token; the refusal's code otherwise.
    pub fn from_token(
        gateway: &GatewayService,
        token: &str,
    ) -> Result<Self, (&'static str, String)> {
        use nexus_http::HttpError;
        let identity = gateway
            .authenticator
            .identity_from_token(token)
            .map_err(|error| (error.code(), error.to_string()))?;
        gateway
            .authenticator
            .check_revocation(&identity.claims)
            .map_err(|error| (error.code(), error.to_string()))?;
        Ok(Self {
            user_id: identity.claims.sub.clone(),
            role: identity.role,
            credential: WsCredential::Token {
                claims: Box::new(identity.claims),
                token: token.to_owned(),
            },
        })
    }
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
pub(crate) fn send(registration: &Registration, message: &ServerMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => registration.send(text_frame(&text)),
        Err(_) => false,
    }
}

/// An `error` message.
pub(crate) fn error(code: &str, message: impl Into<String>) -> ServerMessage {
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
    let watches = Watches::new(&gateway);
    let session_id = uuid::Uuid::now_v7().to_string();
    let success = ServerMessage::AuthSuccess {
        user_id: identity.user_id.clone(),
        session_id: session_id.clone(),
    };
    if !send(&registration, &success) {
        metrics.ws_connections.dec();
        return;
    }
    let engine = appears_in_presence(&gateway.decisions, &gateway.policies.current(), &identity);
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
        watches,
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

/// Whether the session appears as an analyst engine in the hub's presence: the policies'
/// `presence:publish` on the platform for its principal, never a role check of the hub's own.
fn appears_in_presence(
    decisions: &DecisionCache,
    policies: &PublishedPolicies,
    identity: &WsIdentity,
) -> bool {
    let context = match &identity.credential {
        WsCredential::Token { claims, .. } => nexus_runtime::authz::context_of(claims, None),
        WsCredential::Key { .. } => nexus_policy::RequestContext::default(),
    };
    let request = Request {
        principal: identity.principal(),
        action: Action::PresencePublish,
        resource: Resource::Platform,
        context,
    };
    decisions.decide(policies, &request).allowed
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
            }) => WsIdentity::from_token(gateway, &token)
                .map_err(|(code, message)| SignInFailure::new("auth_failed", message, code)),
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

/// The user service's answer about a key: its owner, or 404 `unknown_key` once it is revoked
/// or its account is no longer active.
pub(crate) async fn lookup_key(
    gateway: &GatewayService,
    public_key_hex: &str,
) -> Result<WsKeyOwner, ClientError> {
    gateway
        .user_client
        .users()
        .lookup_ws_key(&CallContext::none(), public_key_hex)
        .await
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
        .keys()
        .namespace(crate::REDIS_NAMESPACE)
        .key(&format!("ws:nonce:{key}:{}", challenge.nonce));
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
    match lookup_key(gateway, &key).await {
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
                credential: WsCredential::Key {
                    public_key_hex: key,
                    signed_in_at_ms: nexus_runtime::revocation::now_ms(),
                },
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

#[cfg(test)]
mod tests {
    use nexus_policy::{LivePolicies, Policies};

    use super::*;

    fn claims(sub: &str, role: &str, status: Option<&str>) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "nexus-auth", "sub": sub, "aud": "nexus", "exp": 2, "nbf": 0, "iat": 0,
            "jti": "j-1", "roles": [role], "status": status,
        }))
        .unwrap()
    }

    fn token_session(role: &str, status: Option<&str>) -> WsIdentity {
        let claims = claims("u-1", role, status);
        WsIdentity {
            user_id: "u-1".to_owned(),
            role: claims.highest_role(),
            credential: WsCredential::Token {
                claims: Box::new(claims),
                token: "eyJ.s3cret.signature".to_owned(),
            },
        }
    }

    fn key_session(role: Role) -> WsIdentity {
        WsIdentity {
            user_id: "u-2".to_owned(),
            role,
            credential: WsCredential::Key {
                public_key_hex: "ab".repeat(32),
                signed_in_at_ms: 1,
            },
        }
    }

    #[test]
    fn only_sessions_the_policies_allow_presence_appear_as_engines() {
        let live = LivePolicies::new(0, Policies::shipped().unwrap());
        let decisions = DecisionCache::new(16);
        let appears =
            |identity: &WsIdentity| appears_in_presence(&decisions, &live.current(), identity);
        assert!(appears(&token_session("analyst", None)));
        assert!(appears(&token_session("admin", None)));
        assert!(appears(&key_session(Role::Analyst)));
        assert!(
            !appears(&token_session("user", None)),
            "a user is no engine"
        );
        assert!(
            !appears(&key_session(Role::User)),
            "a user's key is no engine"
        );
        assert!(
            !appears(&token_session("analyst", Some("banned"))),
            "a banned analyst does not appear"
        );
    }

    #[test]
    fn a_session_prints_without_its_token() {
        let session = token_session("user", None);
        for printed in [format!("{session:?}"), format!("{session:#?}")] {
            assert!(!printed.contains("s3cret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
    }
}
