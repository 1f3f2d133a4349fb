//! The webhook routes' refusals, wrapped by
//! [`NotificationError::Webhook`](crate::error::NotificationError::Webhook); each code is in
//! docs/ERRORS.md.

use actix_web::http::StatusCode;

/// What the webhook routes refuse.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No endpoint with this id among the caller's (someone else's is not told apart).
    #[error("no such webhook endpoint among yours")]
    EndpointNotFound,
    /// No message with this id to one of the caller's endpoints.
    #[error("no such webhook message among yours")]
    MessageNotFound,
    /// The fetcher refuses the URL (internal address, scheme, port, unresolvable...).
    #[error(
        "the endpoint URL is refused ({code}): {reason}; use a public http(s) address on port 80 or 443"
    )]
    UrlRefused {
        /// The fetcher's code (`destination_forbidden`, `port_forbidden`, ...).
        code: &'static str,
        /// The fetcher's message.
        reason: String,
    },
    /// A field out of its rules.
    #[error("{0}")]
    Invalid(String),
    /// The caller has as many endpoints as allowed.
    #[error("you have {0} webhook endpoints, the most allowed: delete one first")]
    Limit(u32),
    /// Replay asked for a message of a disabled endpoint.
    #[error("the endpoint is disabled: enable it (PATCH enabled=true) before replaying")]
    EndpointDisabled,
}

impl WebhookError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookError::EndpointNotFound | WebhookError::MessageNotFound => StatusCode::NOT_FOUND,
            WebhookError::UrlRefused { .. } | WebhookError::Invalid(_) => StatusCode::BAD_REQUEST,
            WebhookError::Limit(_) | WebhookError::EndpointDisabled => StatusCode::CONFLICT,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::EndpointNotFound => "webhook_endpoint_not_found",
            WebhookError::MessageNotFound => "webhook_message_not_found",
            WebhookError::UrlRefused { .. } => "webhook_url_forbidden",
            WebhookError::Invalid(_) => "invalid_webhook_endpoint",
            WebhookError::Limit(_) => "webhook_endpoint_limit",
            WebhookError::EndpointDisabled => "webhook_endpoint_disabled",
        }
    }
}
