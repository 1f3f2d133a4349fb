//! HTTP routes, one handler per file. Every handler takes the shared
//! [`Caller`](nexus_runtime::Caller) and asks the Cedar policies through
//! [`Caller::authorize`](nexus_runtime::Caller::authorize) on resources built by
//! [`crate::domain::visibility`]; there is no role check in this crate. An object the caller
//! may not read answers 404, as if it did not exist (docs/AUTHORIZATION.md).
//!
//! | route | handler | action |
//! |---|---|---|
//! | `POST /v1/files` | [`upload_file`] (raw body, streamed to the store) | `file:upload` |
//! | `POST /v1/analyze` | [`analyze`] (the same as a `multipart/form-data` form, `curl -F file=@x`) | `file:upload` |
//! | `GET /v1/files/{sha256}` | [`get_file`] (guests: public samples) | `file:read`, `analysis:read` |
//! | `GET /v1/files/{sha256}/similar` | [`get_similar`] (only readable samples listed) | `file:read` |
//! | `GET /v1/files/{sha256}/download` | [`download_file`] | `file:read`, `file:download` |
//! | `GET /v1/analyses` | [`list_analyses`] (the analyses of the caller's uploads, newest first) | `analysis:list` |
//! | `GET /v1/analyses/{id}` | [`get_analysis`] (guests: public samples) | `analysis:read` |
//! | `GET /v1/analyses/{id}/export` | [`export_analysis`] (STIX 2.1 or MISP; as readable as the report) | `analysis:read` |
//! | `POST /v1/analyses/{id}/reanalyse` | [`reanalyse`] (current rules) | `analysis:read`, `analysis:submit` |
//! | `POST /v1/rulesets` | [`create_ruleset`] | `ruleset:create` |
//! | `GET /v1/rulesets/{id}` | [`get_ruleset`] | `ruleset:read` |
//! | `POST /v1/retrohunts` | [`create_retrohunt`] | `retrohunt:create` (+ `ruleset:read`) |
//! | `GET /v1/retrohunts/{id}` | [`get_retrohunt`] | `retrohunt:read` |
//!
//! Internal (docs/INTERNAL_API.md, service token): `POST /internal/v1/files/{sha256}/bounty-artifact`
//! ([`mark_bounty_artifact`]: nexus-bounty marks the file a bounty is posted on).

pub mod analyze;
pub mod create_retrohunt;
pub mod create_ruleset;
pub mod download_file;
pub mod export_analysis;
pub mod file_summary;
pub mod get_analysis;
pub mod get_file;
pub mod get_retrohunt;
pub mod get_ruleset;
pub mod get_similar;
pub mod list_analyses;
pub mod mark_bounty_artifact;
pub mod openapi;
pub mod reanalyse;
pub mod upload_file;

use actix_web::web;
use nexus_core::Sha256;
use nexus_policy::Action;
use nexus_proto::analysis::AnalysisView;
use nexus_runtime::{Caller, Denied};

use crate::domain::visibility::SampleAccess;
use crate::error::AnalysisError;
use crate::store::Store;
use uuid::Uuid;

/// Mounts every route; `json_limit` bounds ruleset and retrohunt bodies.
pub fn configure(config: &mut web::ServiceConfig, json_limit: usize) {
    // The shared extractor's codes and messages, with a limit raised to fit YARA sources.
    let json = nexus_http::json_config(json_limit);
    config
        .service(web::resource("/v1/files").route(web::post().to(upload_file::upload_file)))
        .service(web::resource("/v1/analyze").route(web::post().to(analyze::analyze)))
        .service(web::resource("/v1/files/{sha256}").route(web::get().to(get_file::get_file)))
        .service(
            web::resource("/v1/files/{sha256}/similar")
                .route(web::get().to(get_similar::get_similar)),
        )
        .service(
            web::resource("/v1/files/{sha256}/download")
                .route(web::get().to(download_file::download_file)),
        )
        .service(web::resource("/v1/analyses").route(web::get().to(list_analyses::list_analyses)))
        .service(
            web::resource("/v1/analyses/{id}").route(web::get().to(get_analysis::get_analysis)),
        )
        .service(
            web::resource("/v1/analyses/{id}/export")
                .route(web::get().to(export_analysis::export_analysis)),
        )
        .service(
            web::resource("/v1/analyses/{id}/reanalyse")
                .route(web::post().to(reanalyse::reanalyse)),
        )
        .service(
            web::resource("/v1/rulesets")
                .app_data(json.clone())
                .route(web::post().to(create_ruleset::create_ruleset)),
        )
        .service(web::resource("/v1/rulesets/{id}").route(web::get().to(get_ruleset::get_ruleset)))
        .service(
            web::resource("/v1/retrohunts")
                .app_data(json)
                .route(web::post().to(create_retrohunt::create_retrohunt)),
        )
        .service(
            web::resource("/v1/retrohunts/{id}").route(web::get().to(get_retrohunt::get_retrohunt)),
        )
        .service(
            web::resource("/internal/v1/files/{sha256}/bounty-artifact")
                .route(web::post().to(mark_bounty_artifact::mark_bounty_artifact)),
        )
        .route(
            "/internal/v1/files/{sha256}/summary",
            web::get().to(file_summary::file_summary),
        );
}

/// `denied` as the caller sees it: `not_found` when the refusal depends on the object (the
/// caller learns nothing about whether it exists), the denial itself otherwise (a missing
/// API-key scope, which says nothing about the object).
pub(crate) fn hidden(denied: Denied, not_found: AnalysisError) -> AnalysisError {
    if denied.hides_existence() {
        not_found
    } else {
        denied.into()
    }
}

/// The sample's visibility facts for `caller`, once `file:read` allows it; a sample that is
/// not stored and one the caller may not read are the same 404 `sample_not_found`.
pub(crate) async fn readable_sample(
    store: &Store,
    caller: &Caller,
    sha256: &Sha256,
) -> Result<SampleAccess, AnalysisError> {
    // A key without the scope is refused before anything is looked up.
    caller.require_scope(Action::FileRead)?;
    let not_found = || AnalysisError::SampleNotFound(sha256.clone());
    let access = store
        .sample_access(sha256, caller.subject())
        .await?
        .ok_or_else(not_found)?;
    caller
        .authorize(Action::FileRead, access.file(caller.subject()))
        .map_err(|denied| hidden(denied, not_found()))?;
    Ok(access)
}

/// The analysis `id` with its report and its sample's visibility facts, once `analysis:read`
/// allows `caller` to read it: the one decision of `GET /v1/analyses/{id}` and of its exports.
/// An analysis that does not exist and one the caller may not read are the same 404
/// `analysis_not_found`.
pub(crate) async fn readable_analysis(
    store: &Store,
    caller: &Caller,
    id: Uuid,
) -> Result<(AnalysisView, SampleAccess), AnalysisError> {
    // A key without the scope is refused before anything is looked up.
    caller.require_scope(Action::AnalysisRead)?;
    let view = store
        .analysis(id, true)
        .await?
        .ok_or(AnalysisError::AnalysisNotFound(id))?;
    let access = store
        .sample_access(&view.sha256, caller.subject())
        .await?
        .ok_or(AnalysisError::AnalysisNotFound(id))?;
    caller
        .authorize(
            Action::AnalysisRead,
            access.analysis(&id.to_string(), caller.subject()),
        )
        .map_err(|denied| hidden(denied, AnalysisError::AnalysisNotFound(id)))?;
    Ok((view, access))
}

/// Checks a `{sha256}` path segment.
pub(crate) fn sha256_path(text: &str) -> Result<Sha256, AnalysisError> {
    text.parse()
        .map_err(|_| AnalysisError::InvalidSha256(text.chars().take(80).collect()))
}
