//! The crate's one error type.

use std::time::Duration;

use nexus_proto::ErrorBody;
use reqwest::StatusCode;

/// Why a service call failed.
///
/// [`ClientError::code`] is stable and machine-readable; the service that made the call decides
/// how to map it to its own response (usually 502/503/504, or passing an `Api` error's code on).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The settings would make the client misbehave.
    #[error("invalid client settings: {0}")]
    InvalidSettings(String),
    /// The base URL or a path does not form a valid URL.
    #[error("invalid URL {url:?}")]
    InvalidUrl {
        /// The URL as built.
        url: String,
        /// The parse failure.
        #[source]
        source: url::ParseError,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("could not build the HTTP client")]
    Build(#[source] reqwest::Error),
    /// The request body could not be serialized to JSON.
    #[error("could not encode the request body")]
    Encode(#[source] serde_json::Error),
    /// The circuit breaker is open: the call was refused without touching the network.
    #[error("the circuit to {service} is open; retry in {retry_after:?}")]
    CircuitOpen {
        /// The called service.
        service: String,
        /// How long until the breaker lets a trial call through.
        retry_after: Duration,
    },
    /// The service did not answer within the request (or connect) timeout.
    #[error("{service} did not answer in time")]
    Timeout {
        /// The called service.
        service: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The service could not be reached (connection refused, DNS, TLS handshake).
    #[error("{service} is unreachable")]
    Connect {
        /// The called service.
        service: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Another transport failure (connection reset mid-response, malformed HTTP).
    #[error("the call to {service} failed")]
    Transport {
        /// The called service.
        service: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The service answered non-2xx with the standard JSON [`ErrorBody`].
    #[error("{service} answered {status}: {} ({})", body.code, body.message)]
    Api {
        /// The called service.
        service: String,
        /// The response status.
        status: StatusCode,
        /// The decoded error body (its `request_id` identifies the failed call in the callee's logs).
        body: ErrorBody,
    },
    /// The service answered non-2xx without an [`ErrorBody`] (a proxy page, a crash).
    #[error("{service} answered {status} with an unexpected body: {snippet:?}")]
    UnexpectedResponse {
        /// The called service.
        service: String,
        /// The response status.
        status: StatusCode,
        /// The start of the body, for the log.
        snippet: String,
    },
    /// The service answered 2xx but the body is not the expected JSON.
    #[error("{service} answered {status} with a body that does not decode")]
    Decode {
        /// The called service.
        service: String,
        /// The response status.
        status: StatusCode,
        /// The decode failure.
        #[source]
        source: serde_json::Error,
    },
}

impl ClientError {
    /// Stable, machine-readable snake_case code of the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidSettings(_) => "client_invalid_settings",
            Self::InvalidUrl { .. } => "client_invalid_url",
            Self::Build(_) => "client_build_failed",
            Self::Encode(_) => "client_encode_failed",
            Self::CircuitOpen { .. } => "upstream_circuit_open",
            Self::Timeout { .. } => "upstream_timeout",
            Self::Connect { .. } => "upstream_unreachable",
            Self::Transport { .. } => "upstream_transport_failed",
            Self::Api { .. } => "upstream_api_error",
            Self::UnexpectedResponse { .. } => "upstream_unexpected_response",
            Self::Decode { .. } => "upstream_decode_failed",
        }
    }

    /// The response status, when the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. }
            | Self::UnexpectedResponse { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}
