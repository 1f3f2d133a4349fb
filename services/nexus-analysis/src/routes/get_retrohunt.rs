//! `GET /v1/retrohunts/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::RetrohuntView;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::store;

/// The retrohunt's progress (`scanned` of `total`) and matches so far.
#[utoipa::path(
    get,
    path = "/v1/retrohunts/{id}",
    tag = "analysis",
    responses(
        (status = 200, description = "Progress and matches", body = RetrohuntView),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such retrohunt", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_retrohunt(
    service: web::Data<AnalysisService>,
    _caller: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut connection = service
        .shared
        .pool
        .acquire()
        .await
        .map_err(AnalysisError::from)?;
    let view = store::retrohunt(&mut connection, id)
        .await?
        .ok_or(AnalysisError::RetrohuntNotFound(id))?;
    Ok(HttpResponse::Ok().json(view))
}
