//! The gateway's errors: one enum, stable codes, mapped to HTTP once.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use nexus_http::HttpError;
use nexus_http::context::current_request_id;
use nexus_proto::ErrorBody;

/// Everything the gateway itself refuses (upstream answers pass through untouched).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No route owns the path, or the path is ambiguous (dot segments, encoded separators).
    #[error("No route matches {method} {path}; see /api/docs for the API.")]
    NotFound {
        /// The request method as sent (`GET`, ...).
        method: String,
        /// The path as sent.
        path: String,
    },
    /// `/ws` was requested without a valid WebSocket upgrade.
    #[error("This is a WebSocket endpoint: {reason}.")]
    NotAWebSocket {
        /// What the handshake lacked.
        reason: String,
    },
    /// The body is larger than the route accepts.
    #[error("The request body is larger than the {limit} bytes this route accepts.")]
    PayloadTooLarge {
        /// The route's limit.
        limit: u64,
    },
    /// The API key is unknown, revoked or expired.
    #[error("The API key is not valid; create a new one or check for typos.")]
    ApiKeyInvalid,
    /// The API key header is malformed.
    #[error("Send an API key as `Authorization: ApiKey nxs_...` or `X-API-Key: nxs_...`.")]
    ApiKeyMalformed,
    /// The token's account or API key was revoked after it was issued.
    #[error(
        "The access token was revoked (signed out, password or role changed, account disabled or key revoked); sign in again."
    )]
    TokenRevoked,
    /// The revocation list has not been refreshed for too long (Redis unreachable).
    #[error("Credentials cannot be checked right now")]
    RevocationUnavailable,
    /// An API-key caller whose key lacks the scope of the route's action.
    #[error("This API key's scopes do not include {action}; create a key with that scope.")]
    ScopeInsufficient {
        /// The Cedar action (the scope needed).
        action: &'static str,
    },
    /// The auth service could not check an API key.
    #[error("API keys cannot be checked right now")]
    AuthUnavailable,
    /// The fleet's presence records could not be read.
    #[error("The presence list is unavailable")]
    PresenceUnavailable,
    /// Cedar denied the action.
    #[error("Your account may not {action} here.")]
    Forbidden {
        /// The Cedar action name.
        action: &'static str,
    },
    /// Too many requests.
    #[error("Too many requests; retry after {} seconds.", retry_after.as_secs().max(1))]
    RateLimited {
        /// When a request would be allowed again.
        retry_after: Duration,
    },
    /// The upstream's circuit is open.
    #[error("The {upstream} service is unavailable; retry after the Retry-After delay.")]
    UpstreamUnavailable {
        /// Name of the service the route forwards to (`auth`, `analysis`, ...).
        upstream: String,
        /// When a trial request goes through.
        retry_after: Duration,
    },
    /// The upstream did not answer in time.
    #[error("The {upstream} service did not answer in time")]
    UpstreamTimeout {
        /// Name of the service the route forwards to (`auth`, `analysis`, ...).
        upstream: String,
    },
    /// The upstream could not be reached or broke the connection.
    #[error("The {upstream} service could not be reached: {detail}")]
    UpstreamFailed {
        /// Name of the service the route forwards to (`auth`, `analysis`, ...).
        upstream: String,
        /// The transport error.
        detail: String,
    },
}

impl HttpError for GatewayError {
    fn status(&self) -> StatusCode {
        match self {
            GatewayError::NotFound { .. } => StatusCode::NOT_FOUND,
            GatewayError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::NotAWebSocket { .. } => StatusCode::BAD_REQUEST,
            GatewayError::ApiKeyInvalid
            | GatewayError::ApiKeyMalformed
            | GatewayError::TokenRevoked => StatusCode::UNAUTHORIZED,
            GatewayError::Forbidden { .. } | GatewayError::ScopeInsufficient { .. } => {
                StatusCode::FORBIDDEN
            }
            GatewayError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            GatewayError::AuthUnavailable
            | GatewayError::PresenceUnavailable
            | GatewayError::RevocationUnavailable
            | GatewayError::UpstreamUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            GatewayError::UpstreamFailed { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            GatewayError::NotFound { .. } => "not_found",
            GatewayError::PayloadTooLarge { .. } => "payload_too_large",
            GatewayError::NotAWebSocket { .. } => "websocket_handshake_invalid",
            GatewayError::ApiKeyInvalid => "api_key_invalid",
            GatewayError::ApiKeyMalformed => "api_key_malformed",
            GatewayError::AuthUnavailable => "auth_unavailable",
            GatewayError::TokenRevoked => "token_revoked",
            GatewayError::RevocationUnavailable => "revocation_unavailable",
            GatewayError::ScopeInsufficient { .. } => "scope_insufficient",
            GatewayError::PresenceUnavailable => "presence_unavailable",
            GatewayError::Forbidden { .. } => "forbidden",
            GatewayError::RateLimited { .. } => "rate_limited",
            GatewayError::UpstreamUnavailable { .. } => "upstream_unavailable",
            GatewayError::UpstreamTimeout { .. } => "upstream_timeout",
            GatewayError::UpstreamFailed { .. } => "upstream_failed",
        }
    }
}

impl GatewayError {
    /// The delay for `Retry-After`, when the error has one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GatewayError::RateLimited { retry_after }
            | GatewayError::UpstreamUnavailable { retry_after, .. } => Some(*retry_after),
            GatewayError::AuthUnavailable
            | GatewayError::PresenceUnavailable
            | GatewayError::RevocationUnavailable => Some(Duration::from_secs(1)),
            _ => None,
        }
    }

    /// The JSON error response, with `Retry-After` (whole seconds, at least 1) when it applies
    /// and the `extra` headers (e.g. `RateLimit-*`).
    pub fn to_response(&self, extra: &[(HeaderName, HeaderValue)]) -> HttpResponse {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(code = self.code(), error = %self, "The gateway answered with a server error.");
        }
        let message = if status.is_server_error() {
            "The service is temporarily unavailable; retry shortly and quote the request id if it persists."
                .to_owned()
        } else {
            self.to_string()
        };
        let mut response = HttpResponse::build(status);
        if let Some(delay) = self.retry_after() {
            let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
            response.insert_header((RETRY_AFTER, seconds.max(1).to_string()));
        }
        for (name, value) in extra {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(ErrorBody {
            code: self.code().to_owned(),
            message,
            request_id: current_request_id(),
        })
    }
}
