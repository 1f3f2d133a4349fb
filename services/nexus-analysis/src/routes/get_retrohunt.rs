//! `GET /v1/retrohunts/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::store;

/// The retrohunt's progress (`scanned` of `total`) and matches so far.
pub async fn get_retrohunt(
    service: web::Data<AnalysisService>,
    _caller: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = store::retrohunt(&service.shared.pool, id)
        .await?
        .ok_or(AnalysisError::RetrohuntNotFound(id))?;
    Ok(HttpResponse::Ok().json(view))
}
