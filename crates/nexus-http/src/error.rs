//! The one mapping from errors to HTTP responses.

use std::borrow::Cow;
use std::error::Error as StdError;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use nexus_proto::ErrorBody;

use crate::context::current_request_id;

/// An error that knows its HTTP status and stable code. Every crate's error enum implements this
/// once; `?` then turns it into an [`ApiError`] through the blanket `From`.
pub trait HttpError: StdError + Send + Sync + 'static {
    /// HTTP status to answer with.
    fn status(&self) -> StatusCode;
    /// Stable snake_case code, documented in docs/ERRORS.md.
    fn code(&self) -> &'static str;
    /// Seconds to send as `Retry-After` (a 503 the client should simply retry); none by default.
    fn retry_after_seconds(&self) -> Option<u32> {
        None
    }
}

/// An error on its way to becoming the JSON error body.
///
/// For 5xx statuses the client sees only an opaque message and the request id; the full cause
/// chain goes to the log. For 4xx statuses the message is the error's own `Display`, which must
/// tell the caller what to change.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
    retry_after_seconds: Option<u32>,
}

impl ApiError {
    /// A client error with an explicit status, code and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            source: None,
            retry_after_seconds: None,
        }
    }

    /// Sends `Retry-After: <seconds>` with the answer.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// 500 with an opaque message; `source` is logged with its whole chain, never shown.
    pub fn internal(source: impl StdError + Send + Sync + 'static) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: Cow::Borrowed("internal_error"),
            message: String::new(),
            source: Some(Box::new(source)),
            retry_after_seconds: None,
        }
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The `Retry-After` seconds this answer carries, if any (for code that builds its own
    /// response from the status and body, like the gateway's proxy).
    pub fn retry_after_seconds(&self) -> Option<u32> {
        self.retry_after_seconds
    }

    /// The body for the current request (request id from the request scope).
    pub fn body(&self) -> ErrorBody {
        let message = if self.status.is_server_error() && self.retry_after_seconds.is_none() {
            opaque_message(self.status)
        } else {
            self.message.clone()
        };
        ErrorBody {
            code: self.code.to_string(),
            message,
            request_id: current_request_id(),
        }
    }
}

impl<E: HttpError> From<E> for ApiError {
    fn from(error: E) -> Self {
        let status = error.status();
        let code = Cow::Borrowed(error.code());
        let retry_after_seconds = error.retry_after_seconds();
        if status.is_server_error() && retry_after_seconds.is_none() {
            Self {
                status,
                code,
                message: String::new(),
                source: Some(Box::new(error)),
                retry_after_seconds,
            }
        } else {
            // A retryable answer (503 + Retry-After) is expected, not a fault: its message is
            // shown and nothing is logged as a server error.
            Self {
                status,
                code,
                message: error.to_string(),
                source: None,
                retry_after_seconds,
            }
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {}", self.code, source),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl StdError for ApiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() && self.retry_after_seconds.is_none() {
            tracing::error!(
                code = %self.code,
                status = self.status.as_u16(),
                error.chain = %cause_chain(self),
                "Request failed with a server error."
            );
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(self.body())
    }
}

/// `outer: middle: inner`, for logs.
pub fn cause_chain(error: &(dyn StdError + 'static)) -> String {
    let mut chain = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        next = cause.source();
    }
    chain
}

/// The message clients see for a 5xx, which reveals nothing about the cause.
pub(crate) fn opaque_message(status: StatusCode) -> String {
    match status {
        StatusCode::SERVICE_UNAVAILABLE => {
            "The service is temporarily unavailable; retry shortly and quote the request id if it persists."
                .into()
        }
        _ => "An internal error occurred; quote the request id when reporting it.".into(),
    }
}

/// Default service: every route nobody mounted is a JSON 404.
pub async fn unknown_route(request: actix_web::HttpRequest) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "No route matches {} {}; see /api/docs for the API.",
            request.method(),
            request.path()
        ),
    )
}

impl actix_web::Responder for ApiError {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _request: &actix_web::HttpRequest) -> HttpResponse {
        self.error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum StoreError {
        #[error("bounty {0} does not exist")]
        NotFound(u32),
        #[error("database unreachable")]
        Down(#[source] std::io::Error),
    }

    impl HttpError for StoreError {
        fn status(&self) -> StatusCode {
            match self {
                StoreError::NotFound(_) => StatusCode::NOT_FOUND,
                StoreError::Down(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
        fn code(&self) -> &'static str {
            match self {
                StoreError::NotFound(_) => "bounty_not_found",
                StoreError::Down(_) => "internal_error",
            }
        }
    }

    #[test]
    fn client_errors_show_their_message() {
        let body = ApiError::from(StoreError::NotFound(7)).body();
        assert_eq!(body.code, "bounty_not_found");
        assert_eq!(body.message, "bounty 7 does not exist");
    }

    #[test]
    fn server_errors_hide_the_cause_but_keep_the_chain_for_logs() {
        let error = ApiError::from(StoreError::Down(std::io::Error::other(
            "connection refused to 10.0.0.5",
        )));
        let body = error.body();
        assert_eq!(body.code, "internal_error");
        assert!(!body.message.contains("10.0.0.5"));
        assert!(cause_chain(&error).contains("connection refused to 10.0.0.5"));
    }
}
