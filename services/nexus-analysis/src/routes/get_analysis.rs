//! `GET /v1/analyses/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::AnalysisView;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::routes::readable_analysis;

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
    let (view, _) = readable_analysis(&service.store, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}
