//! The root span of every request, carrying the request id and trace id into every log line.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::context::RequestContext;

/// Builds request spans from the [`RequestContext`] the Nexus middleware stored, so the
/// `request_id` in logs is the one echoed in `X-Request-Id`, and OpenTelemetry spans continue the
/// caller's trace.
pub struct NexusRootSpan;

impl RootSpanBuilder for NexusRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let context = request
            .extensions()
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_else(RequestContext::detached);
        let span = tracing::info_span!(
            "http_request",
            otel.name = tracing::field::Empty,
            otel.kind = "server",
            http.method = %request.method(),
            http.route = tracing::field::Empty,
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            request_id = %context.request_id,
            trace_id = %context.trace.trace_id_hex(),
        );
        // Only for a span that is recorded: before routing, finding the route pattern runs the
        // route table's regexes, and the OpenTelemetry parent costs allocations.
        if !span.is_disabled() {
            let route = request
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned());
            span.record(
                "otel.name",
                tracing::field::display(format_args!("{} {route}", request.method())),
            );
            span.record("http.route", tracing::field::display(&route));
            let _ = span.set_parent(context.trace.to_otel_context());
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("http.status_code", status.as_u16());
    }
}
