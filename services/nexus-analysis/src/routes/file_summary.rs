//! `GET /internal/v1/files/{sha256}/summary`: nexus-reputation, weighing a file's verdict, asks
//! for the sample's detected type and its latest analysis' verdict hint and score. Service token
//! only (the shared internal middleware): the route is internal, and the caller decides what of it
//! its own callers may see (docs/REPUTATION.md, "The verdict endpoint").

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::analysis::FileSummary;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::sha256_path;

/// 200 with the summary; 404 `file_not_found` when the store does not hold the file.
pub async fn file_summary(
    service: web::Data<AnalysisService>,
    path: web::Path<String>,
) -> Result<web::Json<FileSummary>, ApiError> {
    let sha256 = sha256_path(&path)?;
    let sample = service
        .store
        .sample(&sha256)
        .await?
        .ok_or_else(|| AnalysisError::BountyFileNotFound(sha256.clone()))?;
    let latest = service.store.latest_analysis(&sha256).await?;
    Ok(web::Json(FileSummary {
        file_type: sample.file_type,
        verdict: latest.as_ref().and_then(|analysis| analysis.verdict),
        score: latest.and_then(|analysis| analysis.score),
    }))
}
