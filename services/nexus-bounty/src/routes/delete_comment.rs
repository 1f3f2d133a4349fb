//! `DELETE /v1/bounties/{id}/comments/{comment_id}`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::error::BountyError;
use crate::routes::{readable_bounty, resource_of};

/// Deletes a comment (moderation): `bounty:delete_comment`, which only administrators hold
/// (the policies' `admin-all`). The comment leaves the list; its row keeps who deleted it and
/// when, and `CommentDeleted` (relayed on `bounty:{id}`) is stored with the change.
#[utoipa::path(
    delete,
    path = "/v1/bounties/{id}/comments/{comment_id}",
    params(
        ("id" = Uuid, Path, description = "The bounty"),
        ("comment_id" = Uuid, Path, description = "The comment")
    ),
    tag = "bounty",
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Not an administrator (`forbidden`, `scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such bounty or comment (`bounty_not_found`, `comment_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn delete_comment(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (bounty_id, comment_id) = path.into_inner();
    let moderator = caller
        .require_signed_in()
        .map_err(BountyError::from)?
        .sub
        .clone();
    let row = readable_bounty(&service.store, &caller, bounty_id).await?;
    caller
        .authorize(Action::BountyDeleteComment, resource_of(&row)?)
        .map_err(BountyError::from)?;
    if !service
        .store
        .delete_comment(row.id, comment_id, row.is_public, &moderator)
        .await?
    {
        return Err(BountyError::CommentNotFound(comment_id).into());
    }
    Ok(HttpResponse::NoContent().finish())
}
