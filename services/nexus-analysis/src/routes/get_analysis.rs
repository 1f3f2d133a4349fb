//! `GET /v1/analyses/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::AnalysisView;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::store;

/// The analysis with its status, stage and (once finished) report.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}",
    tag = "analysis",
    responses(
        (status = 200, description = "Status, and the report once finished", body = AnalysisView),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such analysis", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_analysis(
    service: web::Data<AnalysisService>,
    _caller: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = store::analysis(&service.shared.pool, id, true)
        .await?
        .ok_or(AnalysisError::AnalysisNotFound(id))?;
    Ok(HttpResponse::Ok().json(view))
}
