//! Carrying a request's identity into the calls it makes.

use nexus_client::CallContext;
use nexus_http::RequestContext;

/// The context for a downstream call made while serving `request`: the same request id, and
/// this request's span as the `traceparent`, so the callee's logs and spans join the caller's.
///
/// It lives here because nexus-http and nexus-client are adapters that must not know each other.
pub fn call_context(request: &RequestContext) -> CallContext {
    CallContext::none()
        .with_request_id(request.request_id.as_str())
        .with_traceparent(request.trace.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_http::{RequestId, TraceParent};

    #[test]
    fn the_request_id_and_this_hops_span_are_passed_on() {
        let trace =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        let request = RequestContext {
            request_id: RequestId::parse("req-7").unwrap(),
            trace,
        };
        let context = call_context(&request);
        let debug = format!("{context:?}");
        assert!(debug.contains("req-7"), "{debug}");
        assert!(
            debug.contains("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "{debug}"
        );
    }
}
