//! `GET /v1/files/{sha256}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::FileView;
use nexus_runtime::Caller;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::{readable_sample, sha256_path};

/// The sample's metadata and its latest analysis, whose report comes from the Redis cache when
/// present (else from PostgreSQL, which then refills the cache). Needs `file:read` on the
/// sample (public ones: anyone, guests included; private ones: their uploaders); the report
/// is included only when `analysis:read` allows it too. A sample the caller may not read is
/// 404, like one that is not stored.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}",
    params(("sha256" = String, Path, description = "The sample's SHA-256: 64 lower-case hex digits", min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")),
    tag = "analysis",
    responses(
        (status = 200, description = "Metadata and the latest analysis", body = FileView),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without the `file:read` scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such sample, or not one the caller may read", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_file(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sha256 = sha256_path(&path)?;
    let access = readable_sample(&service.store, &caller, &sha256).await?;
    let sample = service
        .store
        .sample(&sha256)
        .await?
        .ok_or_else(|| AnalysisError::SampleNotFound(sha256.clone()))?;
    let mut latest = service.store.latest_analysis(&sha256).await?;
    if let Some(analysis) = latest.as_mut().filter(|analysis| {
        analysis.completed_at.is_some()
            && caller.allows(
                Action::AnalysisRead,
                access.analysis(&analysis.id.to_string(), caller.subject()),
            )
    }) {
        let cached = service.cache.get(&sha256, &analysis.ruleset_version).await;
        let report = match cached {
            Ok(Some(report)) => Some(report),
            _ => {
                let stored = service.store.report(analysis.id).await?;
                if let Some(report) = &stored {
                    let _ = service
                        .cache
                        .put(&sha256, &analysis.ruleset_version, report)
                        .await;
                }
                stored
            }
        };
        analysis.report = report.map(Box::new);
    }
    Ok(HttpResponse::Ok().json(FileView {
        sha256: sample.sha256,
        size: u64::try_from(sample.size).unwrap_or(0),
        md5: sample.md5,
        sha1: sample.sha1,
        ssdeep: sample.fuzzy.ssdeep,
        tlsh: sample.fuzzy.tlsh,
        imphash: sample.fuzzy.imphash,
        file_type: sample.file_type,
        upload_count: sample.upload_count,
        first_seen: sample.first_seen,
        last_seen: sample.last_seen,
        latest_analysis: latest,
        visibility: access.visibility(),
    }))
}
