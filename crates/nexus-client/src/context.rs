//! The per-call context a caller passes in: request id, trace propagation and, for calls made
//! on a person's behalf (tests, tools), their access token.

/// Header carrying the request id across services.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// W3C trace context header.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// W3C vendor trace state header.
pub const TRACESTATE_HEADER: &str = "tracestate";

/// What a call propagates downstream, taken from the request being served (no globals, no
/// thread-locals: the handler that makes the call passes it in).
///
/// Every `Some` field becomes a header: `X-Request-Id`, `traceparent`, `tracestate`,
/// `Authorization: Bearer`. Services call each other's internal API with the service token
/// (see [`ServiceToken`](crate::ServiceToken)), not a bearer; the bearer is for calls made as
/// a signed-in account, such as tests calling the public API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The request id of the incoming request, so every log line of the chain shares it.
    pub request_id: Option<String>,
    /// W3C `traceparent` of the current span, so the callee continues the trace.
    pub traceparent: Option<String>,
    /// W3C `tracestate` accompanying `traceparent`.
    pub tracestate: Option<String>,
    /// The access token the call is made with, if any.
    pub bearer: Option<BearerToken>,
}

/// An access token sent as `Authorization: Bearer`; `Debug` prints no part of it.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wraps `token` (the JWT, without the `Bearer ` prefix).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken([redacted])")
    }
}

impl CallContext {
    /// A context that propagates nothing (background jobs with no incoming request).
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets the request id.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the W3C `traceparent`.
    #[must_use]
    pub fn with_traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    /// Sets the W3C `tracestate`.
    #[must_use]
    pub fn with_tracestate(mut self, tracestate: impl Into<String>) -> Self {
        self.tracestate = Some(tracestate.into());
        self
    }

    /// Calls as the account `token` belongs to (`Authorization: Bearer <token>`).
    #[must_use]
    pub fn with_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(BearerToken::new(token));
        self
    }

    /// A context that propagates nothing and calls as the account `token` belongs to.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self::none().with_bearer(token)
    }

    /// The headers to send, by name.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (REQUEST_ID_HEADER, self.request_id.as_deref()),
            (TRACEPARENT_HEADER, self.traceparent.as_deref()),
            (TRACESTATE_HEADER, self.tracestate.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }

    /// The bearer token to send, if any.
    pub(crate) fn bearer_token(&self) -> Option<&str> {
        self.bearer.as_ref().map(|token| token.0.as_str())
    }
}
