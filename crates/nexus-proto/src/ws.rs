//! The gateway's WebSocket protocol: typed client and server messages (`{"type": ..., ...}`),
//! topics, and presence bodies.
//!
//! Sign-in, either:
//! - the access JWT in the upgrade request (`Authorization: Bearer ...`), or as the first
//!   message `{"type":"auth","data":{"token":"<jwt>"}}`;
//! - the dashboard's Ed25519 challenge: the server greets `{"type":"auth_required"}`, the
//!   client answers `{"type":"auth","data":{"public_key","timestamp","nonce","signature"}}`
//!   with the signature over `"{timestamp}:{nonce}"` (hex key and signature).
//!
//! Then `subscribe`/`unsubscribe` to topics; events arrive as `{"type":"event",...}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Event;

/// A message from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Sign in.
    Auth {
        /// A token or a signed challenge.
        data: AuthData,
    },
    /// Start receiving a topic.
    Subscribe {
        /// `bounties`, `bounty:{id}`, `analysis:{id}`, `user` or `leaderboard`.
        topic: String,
    },
    /// Stop receiving a topic.
    Unsubscribe {
        /// A topic subscribed before.
        topic: String,
    },
    /// Application-level heartbeat (WebSocket pings work too).
    Ping,
}

/// The `data` of an `auth` message. Its `Debug` form never prints the token (so a logged or
/// panicking `ClientMessage` leaks no credential).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AuthData {
    /// An access JWT.
    Token {
        /// The token.
        token: String,
    },
    /// The Ed25519 challenge.
    Signed(SignedChallenge),
}

/// The dashboard's Ed25519 sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedChallenge {
    /// The Ed25519 public key, 64 hex digits (registered with the user service).
    pub public_key: String,
    /// Unix time in seconds (or milliseconds), as signed.
    pub timestamp: i64,
    /// A single-use random string, 16–128 characters of `[A-Za-z0-9_-]`.
    pub nonce: String,
    /// Ed25519 signature of `"{timestamp}:{nonce}"`, 128 hex digits.
    pub signature: String,
}

impl std::fmt::Debug for AuthData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthData::Token { .. } => f
                .debug_struct("Token")
                .field("token", &"<redacted>")
                .finish(),
            // Public key, timestamp, single-use nonce and a signature over them: nothing
            // here signs anyone in a second time.
            AuthData::Signed(challenge) => f.debug_tuple("Signed").field(challenge).finish(),
        }
    }
}

/// A message from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Sent on connect when the upgrade request carried no token.
    AuthRequired,
    /// Signed in.
    AuthSuccess {
        /// The account.
        user_id: String,
        /// This connection's id.
        session_id: String,
    },
    /// A refused message; sign-in errors close the connection shortly after.
    Error {
        /// `auth_failed`, `unknown_key`, `auth_timeout`, `auth_required`, `topic_forbidden`,
        /// `topic_unknown`, `topic_unavailable`, `too_many_subscriptions`, `subscribe_rate_limited`,
        /// `invalid_message`, `session_expired`, `session_revoked`.
        code: String,
        /// What to change.
        message: String,
    },
    /// Subscribed.
    Subscribed {
        /// The topic.
        topic: String,
    },
    /// Unsubscribed.
    Unsubscribed {
        /// The topic.
        topic: String,
    },
    /// A live event on a subscribed topic.
    Event {
        /// The topic it was delivered for.
        topic: String,
        /// The bus envelope (`id`, `name`, `version`, `occurred_at`, `payload`).
        event: serde_json::Value,
    },
    /// Answer to `ping`.
    Pong,
}

/// WebSocket close code for a client that could not keep up with its messages.
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
/// WebSocket close code for a failed or missing sign-in.
pub const CLOSE_AUTH_FAILED: u16 = 4001;
/// WebSocket close code for a session whose access token expired (reason `token expired`):
/// reconnect with a fresh token.
pub const CLOSE_SESSION_EXPIRED: u16 = 4002;
/// WebSocket close code for a session whose credential was revoked: the account was disabled,
/// its tokens revoked (role change, sign-out everywhere, password change) or its key revoked.
pub const CLOSE_SESSION_REVOKED: u16 = 4003;

/// One connected analyst engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EnginePresence {
    /// The account.
    pub user_id: String,
    /// The connection.
    pub session_id: String,
    /// The gateway instance holding the connection.
    pub instance: String,
    /// When it signed in.
    pub connected_at: DateTime<Utc>,
    /// Its last ping, pong or message.
    pub last_heartbeat_at: DateTime<Utc>,
}

/// `GET /api/v1/presence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PresenceList {
    /// Connected engines on every gateway instance, oldest first.
    pub engines: Vec<EnginePresence>,
}

/// An analyst engine signed in to the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConnected {
    /// Who and since when.
    pub presence: EnginePresence,
}

impl Event for EngineConnected {
    const NAME: &'static str = "EngineConnected";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:gateway:presence:v1";
}

/// An analyst engine left the hub (closed, timed out or dropped as a slow consumer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineDisconnected {
    /// Who, since when, and the last heartbeat.
    pub presence: EnginePresence,
    /// `closed`, `timed_out`, `slow_consumer`, `error`.
    pub reason: String,
}

impl Event for EngineDisconnected {
    const NAME: &'static str = "EngineDisconnected";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:gateway:presence:v1";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_messages_keep_their_wire_shape() {
        let auth: ClientMessage = serde_json::from_str(
            r#"{"type":"auth","data":{"public_key":"ab","timestamp":1,"nonce":"n","signature":"cd"}}"#,
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(
            auth,
            ClientMessage::Auth {
                data: AuthData::Signed(_)
            }
        ));
        let token: ClientMessage = serde_json::from_str(r#"{"type":"auth","data":{"token":"t"}}"#)
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(
            token,
            ClientMessage::Auth {
                data: AuthData::Token { .. }
            }
        ));
        let greeting = serde_json::to_string(&ServerMessage::AuthRequired)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(greeting, r#"{"type":"auth_required"}"#);
        let success = serde_json::to_value(ServerMessage::AuthSuccess {
            user_id: "u".into(),
            session_id: "s".into(),
        })
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            success,
            serde_json::json!({"type":"auth_success","user_id":"u","session_id":"s"})
        );
    }

    #[test]
    fn an_auth_message_prints_without_its_token() {
        let message: ClientMessage =
            serde_json::from_str(r#"{"type":"auth","data":{"token":"eyJ.s3cret.jwt"}}"#)
                .unwrap_or_else(|error| panic!("{error}"));
        for printed in [format!("{message:?}"), format!("{message:#?}")] {
            assert!(!printed.contains("s3cret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
        let signed = AuthData::Signed(SignedChallenge {
            public_key: "ab".into(),
            timestamp: 1,
            nonce: "n".into(),
            signature: "cd".into(),
        });
        assert!(format!("{signed:?}").contains("public_key: \"ab\""));
    }
}
