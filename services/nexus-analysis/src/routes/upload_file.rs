//! `POST /v1/files`: upload a sample (the raw request body), queue its analysis.

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::{SampleVisibility, UploadAccepted};
use nexus_runtime::Caller;
use serde::Deserialize;
use uuid::Uuid;

use crate::AnalysisService;
use crate::domain::visibility;
use crate::error::AnalysisError;
use crate::sample_store::{Staged, stage_upload};
use crate::store::NewUpload;

/// `POST /v1/files` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// `private` (default: the sample's uploaders, admins and, for a bounty's artifact,
    /// analysts) or `public` (everyone may read its metadata and report).
    pub visibility: Option<String>,
}

pub(crate) fn parse_visibility(text: Option<&str>) -> Result<SampleVisibility, AnalysisError> {
    match text {
        None | Some("private") => Ok(SampleVisibility::Private),
        Some("public") => Ok(SampleVisibility::Public),
        Some(other) => Err(AnalysisError::InvalidVisibility(
            other.chars().take(40).collect(),
        )),
    }
}

/// Streams the body to the store (hashing on the way, never buffering it whole), refuses it
/// with 413 `sample_too_large` past `max_upload_bytes`, and answers 202 with the analysis that
/// covers these bytes under the current rules: a new queued one, or the existing one
/// (`duplicate: true`), so the same file is analysed once. The caller becomes one of the
/// sample's uploaders with the visibility they chose (`file:upload`); the answer gives the
/// sample's visibility, public once any uploader chose public.
#[utoipa::path(
    post,
    path = "/v1/files",
    tag = "analysis",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The sample's bytes, streamed to disk"),
    responses(
        (status = 202, description = "Stored and queued (or a duplicate of a stored sample)", body = UploadAccepted),
        (status = 400, description = "Empty or interrupted upload, or an invalid `visibility`", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`, e.g. a banned account) or an API key without `file:upload` (`scope_insufficient`)", body = ErrorBody),
        (status = 413, description = "Larger than `analysis.max_upload_bytes` (`sample_too_large`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn upload_file(
    service: web::Data<AnalysisService>,
    caller: Caller,
    context: RequestContext,
    request: HttpRequest,
    query: web::Query<UploadQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let visibility = parse_visibility(query.visibility.as_deref())?;
    // Decided before a byte is read: the resource is the upload about to be recorded.
    let subject = authorize_upload(&caller, visibility)?;
    let limit = service.settings.max_upload_bytes;
    refuse_declared_oversize(&service, &request, limit, limit)?;
    let staged = counting_too_large(
        &service,
        stage_upload(body, service.samples.staging_dir(), limit).await,
    )?;
    store_and_queue(&service, &subject, visibility, staged, &context).await
}

/// The signed-in caller's subject, once the policies allow it to upload with `visibility`
/// (`file:upload` on the upload about to be recorded): decided before a byte is read.
pub(crate) fn authorize_upload(
    caller: &Caller,
    visibility: SampleVisibility,
) -> Result<String, AnalysisError> {
    let subject = caller.require_signed_in()?.sub.clone();
    caller.authorize(
        Action::FileUpload,
        visibility::upload("new", &subject, visibility),
    )?;
    Ok(subject)
}

/// 413 `sample_too_large` at once when the declared `Content-Length` is past `allowed` (the
/// sample's limit, plus the framing a form adds), before the body is read.
pub(crate) fn refuse_declared_oversize(
    service: &AnalysisService,
    request: &HttpRequest,
    limit: u64,
    allowed: u64,
) -> Result<(), AnalysisError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > allowed) {
        service.metrics.upload("too_large");
        return Err(AnalysisError::SampleTooLarge { limit });
    }
    Ok(())
}

/// `staged`, counting a refusal for size in the upload metrics.
pub(crate) fn counting_too_large<T>(
    service: &AnalysisService,
    staged: Result<T, AnalysisError>,
) -> Result<T, AnalysisError> {
    if let Err(AnalysisError::SampleTooLarge { .. }) = &staged {
        service.metrics.upload("too_large");
    }
    staged
}

/// Puts a staged upload into the sample store and records it (the sample, the caller as an
/// uploader, a queued analysis unless one covers these bytes under the current rules): the
/// 202 answer of both upload routes.
pub(crate) async fn store_and_queue(
    service: &AnalysisService,
    subject: &str,
    visibility: SampleVisibility,
    staged: Staged,
    context: &RequestContext,
) -> Result<HttpResponse, ApiError> {
    let (sha256, size) = (staged.sha256.clone(), staged.size);
    service
        .samples
        .put(&sha256, staged.file)
        .await
        .map_err(AnalysisError::Store)?;
    let rules = service.rules.reload_if_behind(service.store.pool()).await?;
    let recorded = service
        .store
        .record_upload(
            &NewUpload {
                sha256: &sha256,
                size,
                user_id: subject,
                visibility,
                ruleset_version: &rules.version,
            },
            Uuid::now_v7(),
            Some(&context.trace.to_string()),
        )
        .await?;
    let (visibility, queued) = (recorded.visibility, recorded.queued);
    let (analysis_id, status, created) = (queued.analysis_id, queued.status, queued.created);
    service
        .metrics
        .upload(if created { "new" } else { "duplicate" });
    tracing::info!(analysis_id = %analysis_id, sha256 = %sha256, size, duplicate = !created, "Sample uploaded.");
    Ok(HttpResponse::Accepted().json(UploadAccepted {
        analysis_id,
        sha256,
        duplicate: !created,
        status,
        size,
        visibility,
    }))
}
