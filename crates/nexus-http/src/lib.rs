//! HTTP building blocks every Nexus service mounts.
//!
//! - [`error`]: [`ApiError`], the one way an error becomes a response: the JSON
//!   [`ErrorBody`](nexus_proto::ErrorBody) with a stable code, an opaque message for 500s and the
//!   full cause chain in the log.
//! - [`middleware`]: the outermost middleware: accepts or generates `X-Request-Id`, continues or
//!   starts a W3C trace, records HTTP metrics and rewrites every non-JSON error response (actix's
//!   own 404, 405, 413, ...) into the JSON error body.
//! - [`context`]: [`RequestContext`], the request id and `traceparent` a handler passes on to
//!   downstream calls.
//! - [`extractors`]: body limits and the one JSON error handler for actix's extractors
//!   ([`json_config`] for a route with its own limit).
//! - [`json_body`]: [`Json`], the request-body extractor handlers use instead of `web::Json`
//!   (the same limits and codes, and an array is never read as an object).
//! - [`health`]: `/health` and `/ready` with pluggable [`ReadinessCheck`]s.
//! - [`metrics`]: `nexus_http_requests_total` and `nexus_http_request_duration_seconds`.
//! - [`service_auth`]: the service token that guards every `/internal/*` route.
//! - [`token`]: the strict access-token validator every service shares, and the
//!   [`token::Authenticated`] extractor.
//!
//! API boundary: services call [`configure_service`] once for their app and return
//! `Result<_, ApiError>` from handlers; everything else here is plumbing they never touch.

pub mod context;
pub mod error;
pub mod extractors;
pub mod health;
pub mod json_body;
pub mod metrics;
pub mod middleware;
pub mod openapi;
mod root_span;
pub mod service_auth;
pub mod startup_gate;
pub mod token;
mod traceparent;

pub use context::{RequestContext, RequestId};
pub use error::{ApiError, HttpError};
pub use extractors::{BodyLimits, json_config};
pub use health::{ReadinessCheck, ReadinessChecks};
pub use json_body::Json;
pub use metrics::HttpMetrics;
pub use root_span::NexusRootSpan;
pub use traceparent::TraceParent;

use actix_web::web;

/// Registers the shared app data (limits, extractor error handlers, metrics, readiness checks),
/// the `/health` and `/ready` routes and the JSON 404 for unknown routes.
///
/// The app must also be wrapped, outermost last, in
/// `.wrap(tracing_actix_web::TracingLogger::<NexusRootSpan>::new())` then
/// `.wrap(actix_web::middleware::from_fn(nexus_http::middleware::nexus_middleware))`; the runtime
/// does this for every service.
pub fn configure_service(
    config: &mut web::ServiceConfig,
    limits: BodyLimits,
    metrics: web::Data<HttpMetrics>,
    checks: web::Data<ReadinessChecks>,
) {
    extractors::configure(config, limits);
    config
        .app_data(metrics)
        .app_data(checks)
        .route("/health", web::get().to(health::get_health))
        .route("/ready", web::get().to(health::get_ready))
        .default_service(web::to(error::unknown_route));
}
