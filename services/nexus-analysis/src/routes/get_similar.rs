//! `GET /v1/files/{sha256}/similar`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::SimilarFiles;

use crate::AnalysisService;
use crate::domain::similar::{rank, score};
use crate::error::AnalysisError;
use crate::routes::sha256_path;
use crate::store;

/// Samples similar to this one by ssdeep score, TLSH distance or equal imphash, best first.
/// Candidates come from the indexes (shared ssdeep 7-grams, shared TLSH bands, equal
/// imphash), never from a scan of every sample; only candidates are scored.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/similar",
    tag = "analysis",
    responses(
        (status = 200, description = "Samples with a close ssdeep or TLSH, or the same imphash, best first", body = SimilarFiles),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such sample", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_similar(
    service: web::Data<AnalysisService>,
    _caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shared = &service.shared;
    let sha256 = sha256_path(&path)?;
    let sample = store::sample(&shared.pool, &sha256)
        .await?
        .ok_or_else(|| AnalysisError::SampleNotFound(sha256.clone()))?;
    let candidates =
        store::similar_candidates(&shared.pool, &sha256, sample.fuzzy.imphash.as_deref()).await?;
    let found = candidates
        .iter()
        .filter_map(|candidate| score(&sample.fuzzy, candidate, shared.settings.tlsh_max_distance))
        .collect();
    let limit = usize::try_from(shared.settings.similar_limit).unwrap_or(50);
    Ok(HttpResponse::Ok().json(SimilarFiles {
        sha256,
        matches: rank(found, limit),
    }))
}
