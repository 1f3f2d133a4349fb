//! Per-request context: the request id and the trace to continue downstream.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use crate::traceparent::TraceParent;

/// Header carrying the request id in both directions.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Longest accepted client-supplied request id; longer ones are replaced.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of one request, accepted from `X-Request-Id` when well-formed or generated (UUIDv7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh UUIDv7 id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// Accepts a client-supplied id if it is 1–128 visible ASCII characters without spaces, so
    /// it cannot forge log lines or headers; otherwise `None`.
    pub fn parse(candidate: &str) -> Option<Self> {
        let acceptable = !candidate.is_empty()
            && candidate.len() <= MAX_REQUEST_ID_LEN
            && candidate.bytes().all(|byte| byte.is_ascii_graphic());
        acceptable.then(|| Self(candidate.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a handler passes on when it calls another service: the request id to echo and the
/// `traceparent` naming this request's span as the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// This request's id.
    pub request_id: RequestId,
    /// This request's position in the distributed trace.
    pub trace: TraceParent,
}

impl RequestContext {
    /// A context for work that did not start from a request (workers, start-up).
    pub fn detached() -> Self {
        Self {
            request_id: RequestId::generate(),
            trace: TraceParent::new_root(),
        }
    }
}

impl FromRequest for RequestContext {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let context = request
            .extensions()
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(Self::detached);
        ready(Ok(context))
    }
}

tokio::task_local! {
    static CURRENT_REQUEST_ID: RequestId;
}

/// Runs `future` with `request_id` as the current request id, which error bodies read.
pub async fn with_request_id<F: Future>(request_id: RequestId, future: F) -> F::Output {
    CURRENT_REQUEST_ID.scope(request_id, future).await
}

/// Runs `build` with `request_id` as the current request id (synchronous variant).
pub fn sync_with_request_id<R>(request_id: RequestId, build: impl FnOnce() -> R) -> R {
    CURRENT_REQUEST_ID.sync_scope(request_id, build)
}

/// The id of the request being served, or `"none"` outside a request.
pub fn current_request_id() -> String {
    CURRENT_REQUEST_ID
        .try_with(|id| id.0.clone())
        .unwrap_or_else(|_| "none".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_client_ids_are_kept() {
        assert_eq!(
            RequestId::parse("abc-123_X.Y").map(|id| id.0),
            Some("abc-123_X.Y".into())
        );
    }

    #[test]
    fn ids_that_could_forge_logs_or_are_too_long_are_refused() {
        assert!(RequestId::parse("").is_none());
        assert!(RequestId::parse("a b").is_none());
        assert!(RequestId::parse("line\nbreak").is_none());
        assert!(RequestId::parse("é").is_none());
        assert!(RequestId::parse(&"a".repeat(MAX_REQUEST_ID_LEN + 1)).is_none());
        assert!(RequestId::parse(&"a".repeat(MAX_REQUEST_ID_LEN)).is_some());
    }
}
