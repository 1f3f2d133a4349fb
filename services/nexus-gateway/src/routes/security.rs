//! CORS with the configured origins, and the security headers of every `/api` answer.

use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::middleware::DefaultHeaders;

use crate::settings::GatewaySettings;

/// Headers browsers may read from our answers.
const EXPOSED: [&str; 5] = [
    "x-request-id",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
];

/// CORS: only the configured origins, the API's methods and headers; no cookies (the API uses
/// bearer tokens), preflights cached for 10 minutes.
pub fn cors(settings: &GatewaySettings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers(EXPOSED)
        .max_age(600);
    for origin in &settings.cors_allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// HSTS (when configured), `nosniff`, frame denial, a CSP that allows nothing (the API serves
/// data, never documents) and no referrer. Upstream answers keep headers they set themselves.
pub fn headers(settings: &GatewaySettings) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add((header::REFERRER_POLICY, "no-referrer"));
    if settings.hsts_max_age_seconds > 0 {
        headers = headers.add((
            header::STRICT_TRANSPORT_SECURITY,
            format!(
                "max-age={}; includeSubDomains",
                settings.hsts_max_age_seconds
            ),
        ));
    }
    headers
}
