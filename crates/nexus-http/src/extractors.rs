//! Body limits and JSON errors for actix's extractors.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};

use crate::error::ApiError;

/// Largest bodies accepted by the default extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// `web::Bytes`, `String` and other raw bodies.
    pub body_bytes: usize,
    /// `web::Json` bodies.
    pub json_bytes: usize,
}

pub(crate) fn configure(config: &mut web::ServiceConfig, limits: BodyLimits) {
    config
        .app_data(json_config(limits.json_bytes))
        .app_data(web::PayloadConfig::new(limits.body_bytes))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error));
}

/// The `web::Json` settings for bodies of at most `limit_bytes`, answering every extractor
/// failure with the shared codes and messages. The runtime registers one for the whole app
/// (`server.json_limit_bytes`); a service whose routes take a different limit registers its own
/// with this instead of writing another error handler:
/// `web::resource("/v1/things").app_data(nexus_http::extractors::json_config(64 * 1024))`.
pub fn json_config(limit_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit_bytes)
        .error_handler(json_error)
}

fn json_error(error: JsonPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The JSON body is {length} bytes; this endpoint accepts at most {limit}."),
        ),
        JsonPayloadError::Overflow { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The JSON body is larger than the {limit} bytes this endpoint accepts."),
        ),
        JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The JSON body is larger than this endpoint accepts.",
        ),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonPayloadError::Deserialize(inner) if inner.is_data() => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request_body",
            format!("The JSON body does not have the expected shape: {inner}."),
        ),
        JsonPayloadError::Deserialize(inner) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The body is not valid JSON: {inner}."),
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_body",
            format!("The body could not be read: {other}."),
        ),
    };
    api_error.into()
}

fn path_error(error: PathError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_path_parameter",
        format!("A path parameter is malformed: {error}."),
    )
    .into()
}

fn query_error(error: QueryPayloadError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        format!("The query string is malformed: {error}."),
    )
    .into()
}
