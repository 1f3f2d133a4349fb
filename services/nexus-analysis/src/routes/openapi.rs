//! The analysis service's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`).

use nexus_http::openapi::{BearerAuth, SharedResponses};
use utoipa::OpenApi;

use super::{
    analyze, create_retrohunt, create_ruleset, download_file, export_analysis, get_analysis,
    get_file, get_retrohunt, get_ruleset, get_similar, list_analyses, reanalyse, upload_file,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nexus-analysis",
        description = "Sample store, static analysis, similar-file search, YARA rulesets and retrohunts."
    ),
    paths(
        upload_file::upload_file,
        analyze::analyze,
        get_file::get_file,
        get_similar::get_similar,
        download_file::download_file,
        list_analyses::list_analyses,
        get_analysis::get_analysis,
        export_analysis::export_analysis,
        reanalyse::reanalyse,
        create_ruleset::create_ruleset,
        get_ruleset::get_ruleset,
        create_retrohunt::create_retrohunt,
        get_retrohunt::get_retrohunt,
    ),
    modifiers(&BearerAuth, &SharedResponses),
    tags((name = "analysis", description = "Files, analyses, rulesets and retrohunts"))
)]
pub struct ApiDoc;
