//! HTTP routes, one handler per file. Every route needs a signed-in caller.
//!
//! | route | handler |
//! |---|---|
//! | `POST /v1/files` | [`upload_file`] (raw body, streamed to the store) |
//! | `GET /v1/files/{sha256}` | [`get_file`] |
//! | `GET /v1/files/{sha256}/similar` | [`get_similar`] |
//! | `GET /v1/files/{sha256}/download` | [`download_file`] (analyst, admin) |
//! | `GET /v1/analyses/{id}` | [`get_analysis`] |
//! | `POST /v1/rulesets` | [`create_ruleset`] |
//! | `POST /v1/retrohunts` | [`create_retrohunt`] |
//! | `GET /v1/retrohunts/{id}` | [`get_retrohunt`] |

pub mod create_retrohunt;
pub mod create_ruleset;
pub mod download_file;
pub mod get_analysis;
pub mod get_file;
pub mod get_retrohunt;
pub mod get_similar;
pub mod openapi;
pub mod upload_file;

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use nexus_http::ApiError;

use crate::error::AnalysisError;

/// Mounts every route; `json_limit` bounds ruleset and retrohunt bodies.
pub fn configure(config: &mut web::ServiceConfig, json_limit: usize) {
    let json = web::JsonConfig::default()
        .limit(json_limit)
        .error_handler(json_error);
    config
        .service(web::resource("/v1/files").route(web::post().to(upload_file::upload_file)))
        .service(web::resource("/v1/files/{sha256}").route(web::get().to(get_file::get_file)))
        .service(
            web::resource("/v1/files/{sha256}/similar")
                .route(web::get().to(get_similar::get_similar)),
        )
        .service(
            web::resource("/v1/files/{sha256}/download")
                .route(web::get().to(download_file::download_file)),
        )
        .service(
            web::resource("/v1/analyses/{id}").route(web::get().to(get_analysis::get_analysis)),
        )
        .service(
            web::resource("/v1/rulesets")
                .app_data(json.clone())
                .route(web::post().to(create_ruleset::create_ruleset)),
        )
        .service(
            web::resource("/v1/retrohunts")
                .app_data(json)
                .route(web::post().to(create_retrohunt::create_retrohunt)),
        )
        .service(
            web::resource("/v1/retrohunts/{id}").route(web::get().to(get_retrohunt::get_retrohunt)),
        );
}

/// Checks a `{sha256}` path segment.
pub(crate) fn sha256_path(text: &str) -> Result<String, AnalysisError> {
    if crate::domain::is_sha256(text) {
        Ok(text.to_owned())
    } else {
        Err(AnalysisError::InvalidSha256(
            text.chars().take(80).collect(),
        ))
    }
}

/// The same codes as the shared JSON extractor (docs/ERRORS.md), for the routes that raise the
/// JSON limit to fit YARA sources.
fn json_error(error: JsonPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let (status, code) = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        JsonPayloadError::ContentType => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        }
        JsonPayloadError::Deserialize(inner) if inner.is_data() => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_body")
        }
        JsonPayloadError::Deserialize(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
        _ => (StatusCode::BAD_REQUEST, "invalid_request_body"),
    };
    ApiError::new(status, code, error.to_string()).into()
}
