//! `GET /v1/rulesets/{id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::RulesetView;
use nexus_runtime::Caller;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::hidden;
use crate::store::{RulesetRow, Store};

/// A ruleset the caller may read (`ruleset:read`: its author, admins, anyone for a public
/// one); any other is 404, like one that does not exist.
#[utoipa::path(
    get,
    path = "/v1/rulesets/{id}",
    params(("id" = i64, Path, description = "The ruleset id")),
    tag = "analysis",
    responses(
        (status = 200, description = "The ruleset", body = RulesetView),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without `ruleset:read` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such ruleset, or not one the caller may read", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_ruleset(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let ruleset = readable_ruleset(&service.store, &caller, id).await?;
    Ok(HttpResponse::Ok().json(RulesetView {
        id: ruleset.id,
        name: ruleset.name,
        owner: ruleset.owner,
        ruleset_version: service.rules.current().version.clone(),
        created_at: ruleset.created_at,
    }))
}

/// The ruleset, once `ruleset:read` allows it; 404 `ruleset_not_found` otherwise.
pub(crate) async fn readable_ruleset(
    store: &Store,
    caller: &Caller,
    id: i64,
) -> Result<RulesetRow, AnalysisError> {
    caller.require_scope(Action::RulesetRead)?;
    let ruleset = store
        .ruleset(id)
        .await?
        .ok_or(AnalysisError::RulesetNotFound(id))?;
    caller
        .authorize(
            Action::RulesetRead,
            Resource::Ruleset {
                id: id.to_string(),
                owner: ruleset.owner.clone(),
                is_public: ruleset.is_public,
            },
        )
        .map_err(|denied| hidden(denied, AnalysisError::RulesetNotFound(id)))?;
    Ok(ruleset)
}
