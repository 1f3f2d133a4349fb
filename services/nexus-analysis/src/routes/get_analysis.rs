//! `GET /v1/analyses/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::AnalysisView;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::hidden;

/// The analysis with its status, stage and (once finished) report. Needs `analysis:read`: a
/// report is as visible as its sample (public ones to anyone, guests included). An analysis
/// the caller may not read is 404, like one that does not exist.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}",
    params(("id" = uuid::Uuid, Path, description = "The analysis id")),
    tag = "analysis",
    responses(
        (status = 200, description = "Status, and the report once finished", body = AnalysisView),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without the `analysis:read` scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such analysis, or not one the caller may read", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_analysis(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let store = &service.store;
    let id = path.into_inner();
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
    Ok(HttpResponse::Ok().json(view))
}
