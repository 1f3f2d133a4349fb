//! The chain listener's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Each handler's `#[utoipa::path]` is listed in `paths(...)` as it
//! lands; internal paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-chain-listener", description = "Confirmed chain state."),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
