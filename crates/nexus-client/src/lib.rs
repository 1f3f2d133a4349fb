//! Typed REST clients of the platform's services, for service-to-service calls and tests.
//!
//! Every endpoint has one method, taking and returning the callee's wire types from
//! nexus-proto, so no service defines another's request or answer shape and a test says
//! `client.users().get_me(&CallContext::bearer(token))` instead of sending a `json!` body to a
//! string path.
//!
//! Layout:
//! - [`users`], [`auth`], [`analysis`], [`bounties`], [`reputation`]: [`UserClient`],
//!   [`AuthClient`], [`AnalysisClient`], [`BountyClient`](bounties::BountyClient),
//!   [`ReputationClient`], one
//!   per service, public and internal endpoints; each wraps a [`ServiceClient`] of that service
//!   (`service_client.users()`), and `raw()` hands it back for calls the types would not let
//!   through (tests of malformed input). Services without endpoints yet get theirs here when
//!   they are written.
//! - [`client`]: [`ServiceClient`], the untyped base: `get`/`post`/`put`/`patch`/`delete` JSON
//!   calls to a path, `post_bytes`/`get_bytes` for raw uploads and downloads.
//! - [`context`]: [`CallContext`], the request id and W3C trace headers a call propagates, and
//!   the access token it is made with when made as an account, passed in by the caller (no
//!   globals, no thread-locals).
//! - [`breaker`]: the per-client circuit breaker ([`CircuitBreaker`], also used on its own by
//!   the gateway's streaming proxy) and its [`CircuitState`].
//! - [`service_token`]: [`ServiceToken`], sent only on `/internal/*` calls.
//! - [`settings`], [`error`], [`metrics`]: [`ClientSettings`], [`ClientError`] with stable codes,
//!   and the optional [`ClientMetrics`].
//!
//! Guarantees and non-guarantees:
//! - A call is attempted once, or up to `1 + retries` times when the method is idempotent (GET,
//!   HEAD, PUT, DELETE, OPTIONS) and the attempt failed to connect, timed out, or got 502/503/504.
//!   A POST or PATCH that timed out may or may not have taken effect; the caller must treat it as
//!   unknown (e.g. re-read, or make the endpoint idempotent with a client-chosen id).
//! - While the breaker is open, calls fail with [`ClientError::CircuitOpen`] without any network
//!   traffic, so a down dependency costs microseconds instead of a timeout per request.
//! - Non-2xx responses with the standard [`ErrorBody`](nexus_proto::ErrorBody) become
//!   [`ClientError::Api`], keeping the callee's code and request id; anything else becomes
//!   [`ClientError::UnexpectedResponse`] with a short body snippet.
//!
//! Example:
//!
//! ```no_run
//! use nexus_client::{CallContext, ClientError, ClientSettings, ServiceClient};
//! use nexus_proto::UserId;
//!
//! # async fn example(user_id: UserId) -> Result<(), ClientError> {
//! let users = ServiceClient::new("nexus-user", "http://127.0.0.1:8084", ClientSettings::default())?
//!     .users();
//! // Taken from the request being served.
//! let context = CallContext::none()
//!     .with_request_id("req-1")
//!     .with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! match users.get_account(&context, user_id).await {
//!     Ok(account) => println!("{} is {}", account.username, account.status),
//!     Err(ClientError::Api { body, .. }) => eprintln!("nexus-user refused: {}", body.code),
//!     Err(other) => eprintln!("nexus-user unavailable ({}): {other}", other.code()),
//! }
//! # Ok(())
//! # }
//! ```

pub mod analysis;
pub mod auth;
pub mod bounties;
pub mod breaker;
pub mod client;
pub mod context;
pub mod error;
pub mod metrics;
mod path;
pub mod reputation;
mod retry;
pub mod service_token;
pub mod settings;
pub mod users;

pub use analysis::AnalysisClient;
pub use auth::AuthClient;
pub use breaker::{CircuitBreaker, CircuitState, Permit, Refused};
pub use client::ServiceClient;
pub use context::{
    BearerToken, CallContext, REQUEST_ID_HEADER, TRACEPARENT_HEADER, TRACESTATE_HEADER,
};
pub use error::ClientError;
pub use metrics::ClientMetrics;
pub use reputation::ReputationClient;
pub use service_token::{SERVICE_TOKEN_HEADER, ServiceToken};
pub use settings::ClientSettings;
pub use users::{StatusAction, UserClient};
