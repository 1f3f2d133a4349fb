//! `GET /internal/v1/files/{sha256}/summary`: nexus-reputation, weighing a file's verdict, asks
//! for the sample's detected type and its latest analysis' verdict hint and score. Service token
//! only (the shared internal middleware): the route is internal, and the caller decides what of it
//! its own callers may see (docs/REPUTATION.md, "The verdict endpoint"). The summary also names
//! the latest report's malware family (from its YARA matches' metadata) and when it finished,
//! for reputation's per-family scores and its re-judgement.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::analysis::FileSummary;
use nexus_proto::report::AnalysisReport;

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
    let family = match latest
        .as_ref()
        .filter(|analysis| analysis.completed_at.is_some())
    {
        Some(analysis) => service
            .store
            .report(analysis.id)
            .await?
            .as_ref()
            .and_then(family_of),
        None => None,
    };
    Ok(web::Json(FileSummary {
        file_type: sample.file_type,
        verdict: latest.as_ref().and_then(|analysis| analysis.verdict),
        score: latest.as_ref().and_then(|analysis| analysis.score),
        family,
        analysed_at: latest.and_then(|analysis| analysis.completed_at),
    }))
}

/// The family tag a report names: the first YARA match whose metadata has a non-empty string
/// `family` or `malware_family` (rule authors' two usual spellings).
fn family_of(report: &AnalysisReport) -> Option<String> {
    report.yara.iter().find_map(|matched| {
        ["family", "malware_family"].iter().find_map(|key| {
            matched
                .metadata
                .get(*key)
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
        })
    })
}
