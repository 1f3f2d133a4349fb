//! `GET /v1/bounties/{id}/comments`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::bounty_me::{CommentPage, PageQuery};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::comments::{comment_cursor, parse_comment_cursor};
use crate::domain::cursor::InvalidCursor;
use crate::error::BountyError;
use crate::routes::list_my_assertions::page_limit;
use crate::routes::readable_bounty;

/// A bounty's comments, oldest first, one page at a time (keyset cursor on the comment id):
/// whoever may read the bounty (`bounty:read`) reads its comments; deleted ones are gone.
#[utoipa::path(
    get,
    path = "/v1/bounties/{id}/comments",
    params(("id" = Uuid, Path, description = "The bounty"), PageQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "One page of comments", body = CommentPage),
        (status = 400, description = "A malformed page size or cursor (`invalid_query`, `invalid_filter`, `invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 404, description = "No bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn list_comments(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|text| parse_comment_cursor(text).ok_or(InvalidCursor))
        .transpose()
        .map_err(BountyError::from)?;
    let row = readable_bounty(&service.store, &caller, path.into_inner()).await?;
    let rows = service
        .store
        .list_comments(row.id, after, i64::from(limit))
        .await?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(comment_cursor(last.id)),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(CommentPage {
        comments: rows.iter().map(|row| row.view()).collect(),
        next_cursor,
    }))
}
