//! `GET /v1/me/bounties`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty::{BountyPage, BountyQuery};
use nexus_runtime::Caller;

use crate::BountyService;
use crate::error::BountyError;
use crate::routes::list_bounties::page;

/// The caller's own bounties, private ones included, with the list's filters, orders and
/// cursor (`creator` is always the caller). Needs an account and `bounty:list`; each row is
/// still decided by `bounty:read`, which allows an owner their own.
#[utoipa::path(
    get,
    path = "/v1/me/bounties",
    params(BountyQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "One page of the caller's bounties", body = BountyPage),
        (status = 400, description = "A malformed filter or cursor (`invalid_query`, `invalid_filter`, `invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "An API key without `bounty:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_my_bounties(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<BountyQuery>,
) -> Result<HttpResponse, ApiError> {
    let subject = caller
        .require_signed_in()
        .map_err(BountyError::from)?
        .sub
        .clone();
    caller
        .authorize(Action::BountyList, Resource::Platform)
        .map_err(BountyError::from)?;
    let mut query = query.into_inner();
    query.creator = Some(subject);
    Ok(HttpResponse::Ok().json(page(&service, &caller, query).await?))
}
