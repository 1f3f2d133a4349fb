//! `GET /v1/files/{sha256}/similar`.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use nexus_core::Sha256;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::SimilarFiles;
use nexus_runtime::Caller;

use crate::AnalysisService;
use crate::domain::similar::{rank, score};
use crate::error::AnalysisError;
use crate::routes::{readable_sample, sha256_path};

/// Samples similar to this one by ssdeep score, TLSH distance or equal imphash, best first,
/// listing only samples the caller may read (`file:read` on each); the sample itself must be
/// readable too (else 404).
/// Candidates come from the indexes (shared ssdeep 7-grams, shared TLSH bands, equal
/// imphash), never from a scan of every sample; only candidates are scored.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/similar",
    params(("sha256" = String, Path, description = "The sample's SHA-256: 64 lower-case hex digits", min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")),
    tag = "analysis",
    responses(
        (status = 200, description = "Samples with a close ssdeep or TLSH, or the same imphash, best first", body = SimilarFiles),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without the `file:read` scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such sample, or not one the caller may read", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_similar(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sha256 = sha256_path(&path)?;
    readable_sample(&service.store, &caller, &sha256).await?;
    let sample = service
        .store
        .sample(&sha256)
        .await?
        .ok_or_else(|| AnalysisError::SampleNotFound(sha256.clone()))?;
    let candidates = service
        .store
        .similar_candidates(&sha256, sample.fuzzy.imphash.as_deref())
        .await?;
    let found: Vec<_> = candidates
        .iter()
        .filter_map(|candidate| score(&sample.fuzzy, candidate, service.settings.tlsh_max_distance))
        .collect();
    // Only the samples the caller may read: a similar list must not reveal private uploads.
    let listed: Vec<Sha256> = found.iter().map(|file| file.sha256.clone()).collect();
    let readable: HashSet<Sha256> = service
        .store
        .samples_access(&listed, caller.subject())
        .await?
        .into_iter()
        .filter(|access| caller.allows(Action::FileRead, access.file(caller.subject())))
        .map(|access| access.sha256)
        .collect();
    let found = found
        .into_iter()
        .filter(|file| readable.contains(&file.sha256))
        .collect();
    let limit = usize::try_from(service.settings.similar_limit).unwrap_or(50);
    Ok(HttpResponse::Ok().json(SimilarFiles {
        sha256,
        matches: rank(found, limit),
    }))
}
