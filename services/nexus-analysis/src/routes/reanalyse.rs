//! `POST /v1/analyses/{id}/reanalyse`: queue the analysed sample again, with the current rules.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::ReanalysisAccepted;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::hidden;

/// Analyses the sample of analysis `{id}` again with the current (possibly newer) rules, e.g.
/// after it failed. Reading the analysis needs `analysis:read` (else 404, as if it did not
/// exist); queuing needs `analysis:submit` (the sample's uploaders; 403 `forbidden` for other
/// readers). One analysis per sample and rules version: if one already exists and has not
/// failed, it is returned (`duplicate: true`).
#[utoipa::path(
    post,
    path = "/v1/analyses/{id}/reanalyse",
    params(("id" = uuid::Uuid, Path, description = "The analysis id")),
    tag = "analysis",
    responses(
        (status = 202, description = "Queued (or the existing analysis under the current rules)", body = ReanalysisAccepted),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "The caller may read the analysis but not submit the sample (`forbidden`), or an API key without the scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such analysis, or not one the caller may read", body = ErrorBody),
        (status = 503, description = "The service is starting (`auth_not_ready`, with `Retry-After`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn reanalyse(
    service: web::Data<AnalysisService>,
    caller: Caller,
    context: RequestContext,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let previous = path.into_inner();
    let subject = caller
        .require_signed_in()
        .map_err(AnalysisError::from)?
        .sub
        .clone();
    caller.require_scope(Action::AnalysisSubmit)?;
    let view = service
        .store
        .analysis(previous, false)
        .await?
        .ok_or(AnalysisError::AnalysisNotFound(previous))?;
    let access = service
        .store
        .sample_access(&view.sha256, caller.subject())
        .await?
        .ok_or(AnalysisError::AnalysisNotFound(previous))?;
    let resource = access.analysis(&previous.to_string(), caller.subject());
    caller
        .authorize(Action::AnalysisRead, resource.clone())
        .map_err(|denied| hidden(denied, AnalysisError::AnalysisNotFound(previous)))?;
    caller
        .authorize(Action::AnalysisSubmit, resource)
        .map_err(AnalysisError::from)?;
    let rules = service.rules.reload_if_behind(service.store.pool()).await?;
    let queued = service
        .store
        .queue_analysis(
            Uuid::now_v7(),
            &view.sha256,
            &subject,
            &rules.version,
            Some(&context.trace.to_string()),
        )
        .await?;
    let (analysis_id, status, created) = (queued.analysis_id, queued.status, queued.created);
    tracing::info!(analysis_id = %analysis_id, previous_analysis_id = %previous, duplicate = !created, "Sample queued for analysis again.");
    Ok(HttpResponse::Accepted().json(ReanalysisAccepted {
        analysis_id,
        previous_analysis_id: previous,
        sha256: view.sha256,
        status,
        ruleset_version: rules.version.clone(),
        duplicate: !created,
    }))
}
