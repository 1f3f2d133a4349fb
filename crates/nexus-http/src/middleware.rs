//! The outermost middleware of every Nexus app.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use nexus_proto::ErrorBody;

use crate::context::{
    REQUEST_ID_HEADER, RequestContext, RequestId, sync_with_request_id, with_request_id,
};
use crate::metrics::HttpMetrics;
use crate::traceparent::{TRACEPARENT_HEADER, TraceParent};

/// Request id, trace context, metrics and JSON errors for every request.
///
/// 1. Accepts a well-formed `X-Request-Id` or generates one, and echoes it on the response.
/// 2. Continues the caller's W3C trace (or starts one) and stores a [`RequestContext`] in the
///    request extensions for handlers and the root span.
/// 3. Makes the request id current while the request runs, so error bodies carry it.
/// 4. Rewrites any error response that is not already JSON (actix's own 404, 405, 413, errors
///    raised by middleware) into the JSON error body, keeping its status and headers.
/// 5. Records `nexus_http_*` metrics by route pattern.
pub async fn nexus_middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = header_text(&request, REQUEST_ID_HEADER)
        .and_then(RequestId::parse)
        .unwrap_or_else(RequestId::generate);
    let trace = header_text(&request, TRACEPARENT_HEADER)
        .and_then(TraceParent::parse)
        .map(|parent| parent.child())
        .unwrap_or_else(TraceParent::new_root);
    request.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        trace,
    });
    let method = request.method().clone();
    let path = request.path().to_owned();
    let metrics = request.app_data::<web::Data<HttpMetrics>>().cloned();

    let outcome = with_request_id(request_id.clone(), next.call(request)).await;
    let outcome: Result<ServiceResponse<BoxBody>, Error> = match outcome {
        Ok(response) => {
            let mut response = response.map_into_boxed_body();
            if needs_json_error_body(response.status(), response.headers()) {
                let (http_request, original) = response.into_parts();
                let rewritten = sync_with_request_id(request_id.clone(), || {
                    json_error_response(original, &request_id, method.as_str(), &path)
                });
                response = ServiceResponse::new(http_request, rewritten);
            }
            insert_request_id(response.headers_mut(), &request_id);
            Ok(response)
        }
        // An error raised by an inner middleware: render it now, while the request id is
        // current, and hand actix a response that is already final.
        Err(error) => {
            let rendered = sync_with_request_id(request_id.clone(), || error.error_response());
            let rendered = if needs_json_error_body(rendered.status(), rendered.headers()) {
                json_error_response(rendered, &request_id, method.as_str(), &path)
            } else {
                rendered
            };
            Err(PrerenderedError::capture(rendered, &request_id).into())
        }
    };
    if let Some(metrics) = metrics {
        // Read after routing, from the matched resource: before it, finding the pattern would
        // run the route table's regexes once more per request. An error raised by a middleware
        // carries no request, so it is counted as `unmatched`.
        let (route, status) = match &outcome {
            Ok(response) => (response.request().match_pattern(), response.status()),
            Err(error) => (None, error.as_response_error().status_code()),
        };
        let route = route.unwrap_or_else(|| "unmatched".to_owned());
        metrics.observe(&route, method.as_str(), status.as_u16(), started.elapsed());
    }
    outcome
}

fn insert_request_id(headers: &mut header::HeaderMap, request_id: &RequestId) {
    if let Ok(value) = HeaderValue::from_str(request_id.as_str()) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
}

/// An error response rendered inside the request scope, replayed by actix outside it.
#[derive(Debug)]
struct PrerenderedError {
    status: StatusCode,
    headers: header::HeaderMap,
    body: web::Bytes,
}

impl PrerenderedError {
    fn capture(response: HttpResponse, request_id: &RequestId) -> Self {
        let status = response.status();
        let mut headers = response.headers().clone();
        insert_request_id(&mut headers, request_id);
        let body = response.into_body().try_into_bytes().unwrap_or_default();
        Self {
            status,
            headers,
            body,
        }
    }
}

impl std::fmt::Display for PrerenderedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request failed with status {}", self.status)
    }
}

impl actix_web::ResponseError for PrerenderedError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status).body(self.body.clone());
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        response
    }
}

fn header_text<'a>(request: &'a ServiceRequest, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn needs_json_error_body(status: StatusCode, headers: &header::HeaderMap) -> bool {
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    !(content_type.starts_with("application/json")
        || content_type.starts_with("application/problem+json"))
}

/// Replaces the body with the JSON error body for its status, keeping every other header.
fn json_error_response(
    original: HttpResponse,
    request_id: &RequestId,
    method: &str,
    path: &str,
) -> HttpResponse {
    let status = original.status();
    let body = ErrorBody {
        code: code_for_status(status),
        message: message_for_status(status, method, path),
        request_id: request_id.to_string(),
    };
    let mut rewritten = HttpResponse::build(status).json(body);
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name.clone(), value.clone());
        }
    }
    rewritten
}

/// Stable code for an error response that carried no code of its own.
pub fn code_for_status(status: StatusCode) -> String {
    let code = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        408 => "request_timeout",
        409 => "conflict",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "unprocessable_entity",
        429 => "rate_limited",
        431 => "headers_too_large",
        500 => "internal_error",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        other => return format!("http_{other}"),
    };
    code.to_owned()
}

fn message_for_status(status: StatusCode, method: &str, path: &str) -> String {
    match status.as_u16() {
        404 => format!("No route matches {method} {path}; see /api/docs for the API."),
        405 => format!(
            "{method} is not allowed on {path}; the Allow header lists the methods that are."
        ),
        413 => "The request body is larger than this endpoint accepts.".to_owned(),
        415 => "The request's Content-Type is not accepted by this endpoint.".to_owned(),
        code if code >= 500 => crate::error::opaque_message(status),
        _ => status
            .canonical_reason()
            .unwrap_or("The request failed.")
            .to_owned(),
    }
}
