//! `POST /v1/files`: upload a sample (the raw request body), queue its analysis.

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::token::Authenticated;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::Envelope;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::{AnalysisRequested, UploadAccepted};
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::sample_store::stage_upload;
use crate::store;

/// Streams the body to the store (hashing on the way, never buffering it whole), refuses it
/// with 413 `sample_too_large` past `max_upload_bytes`, and answers 202 with the analysis that
/// covers these bytes under the current rules: a new queued one, or the existing one
/// (`duplicate: true`), so the same file is analysed once.
#[utoipa::path(
    post,
    path = "/v1/files",
    tag = "analysis",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The sample's bytes, streamed to disk"),
    responses(
        (status = 202, description = "Stored and queued (or a duplicate of a stored sample)", body = UploadAccepted),
        (status = 400, description = "Empty or interrupted upload", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 413, description = "Larger than `analysis.max_upload_bytes` (`sample_too_large`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn upload_file(
    service: web::Data<AnalysisService>,
    caller: Authenticated,
    context: RequestContext,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let shared = &service.shared;
    let limit = shared.settings.max_upload_bytes;
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        shared.metrics.upload("too_large");
        return Err(AnalysisError::SampleTooLarge { limit }.into());
    }
    let staged = match stage_upload(body, shared.store.staging_dir(), limit).await {
        Ok(staged) => staged,
        Err(error) => {
            if matches!(error, AnalysisError::SampleTooLarge { .. }) {
                shared.metrics.upload("too_large");
            }
            return Err(error.into());
        }
    };
    let (sha256, size) = (staged.sha256.clone(), staged.size);
    shared
        .store
        .put(&sha256, staged.file)
        .await
        .map_err(AnalysisError::Store)?;
    let rules = shared.rules.reload_if_behind(&shared.pool).await?;
    let mut transaction = shared.pool.begin().await.map_err(AnalysisError::from)?;
    store::record_upload(&mut transaction, &sha256, size).await?;
    let (analysis_id, status, created) = store::queue_analysis(
        &mut transaction,
        Uuid::now_v7(),
        &sha256,
        &caller.0.sub,
        &rules.version,
    )
    .await?;
    if created {
        let job = Envelope::new(AnalysisRequested {
            analysis_id,
            sha256: sha256.clone(),
        })
        .with_traceparent(Some(context.trace.to_string()));
        shared
            .outbox
            .enqueue(&mut transaction, &job)
            .await
            .map_err(AnalysisError::from)?;
    }
    transaction.commit().await.map_err(AnalysisError::from)?;
    shared
        .metrics
        .upload(if created { "new" } else { "duplicate" });
    tracing::info!(analysis_id = %analysis_id, sha256 = %sha256, size, duplicate = !created, "Sample uploaded.");
    Ok(HttpResponse::Accepted().json(UploadAccepted {
        analysis_id,
        sha256,
        duplicate: !created,
        status,
        size,
    }))
}
