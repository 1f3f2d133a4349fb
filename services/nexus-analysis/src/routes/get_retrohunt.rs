//! `GET /v1/retrohunts/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::RetrohuntView;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::hidden;

/// The retrohunt's progress and matches so far, for its owner (and admins): `retrohunt:read`.
/// Anyone else's hunt is 404, like one that does not exist.
#[utoipa::path(
    get,
    path = "/v1/retrohunts/{id}",
    params(("id" = uuid::Uuid, Path, description = "The retrohunt id")),
    tag = "analysis",
    responses(
        (status = 200, description = "Progress and matches", body = RetrohuntView),
        (status = 401, description = "No or an invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without `retrohunt:read` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such retrohunt, or another account's", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_retrohunt(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    caller.require_signed_in().map_err(AnalysisError::from)?;
    caller
        .require_scope(Action::RetrohuntRead)
        .map_err(AnalysisError::from)?;
    let store = &service.store;
    let owner = store
        .retrohunt_owner(id)
        .await?
        .ok_or(AnalysisError::RetrohuntNotFound(id))?;
    caller
        .authorize(
            Action::RetrohuntRead,
            Resource::Retrohunt {
                id: id.to_string(),
                owner,
            },
        )
        .map_err(|denied| hidden(denied, AnalysisError::RetrohuntNotFound(id)))?;
    let view = store
        .retrohunt(id)
        .await?
        .ok_or(AnalysisError::RetrohuntNotFound(id))?;
    Ok(HttpResponse::Ok().json(view))
}
