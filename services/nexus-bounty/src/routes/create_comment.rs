//! `POST /v1/bounties/{id}/comments`.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty_me::{CommentView, NewComment};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::comments::clean;
use crate::error::BountyError;
use crate::routes::{readable_bounty, resource_of};

/// Comments one account may post per [`WINDOW_SECONDS`].
pub const COMMENTS_PER_WINDOW: u32 = 5;
/// The rate limit's fixed window.
pub const WINDOW_SECONDS: u32 = 60;

/// Raises the caller's counter (`KEYS[1]`, window `ARGV[1]` ms) and returns it with the
/// milliseconds left in the window, in one step so concurrent posts cannot slip between.
const RAISE: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
";

/// Posts a comment on a bounty the caller may read and comment on (`bounty:comment`: signed-in
/// users on public bounties, their own, and analysts on any). The text is plain (shown as is,
/// never rendered as markup), trimmed, 1–2000 characters, without control characters. At most
/// 5 per account per minute (429 `comments_rate_limited` with `Retry-After`). The comment and
/// its `CommentPosted` event (relayed on `bounty:{id}`) are stored together.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/comments",
    params(("id" = Uuid, Path, description = "The bounty")),
    request_body = NewComment,
    tag = "bounty",
    responses(
        (status = 201, description = "Posted", body = CommentView),
        (status = 400, description = "Empty, too long, or control characters (`invalid_comment`); a malformed body (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "The policies refuse (`forbidden`, `scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 429, description = "Too many comments lately (`comments_rate_limited`)", body = ErrorBody),
        (status = 503, description = "The database or Redis is unreachable (`database_unavailable`, `comments_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_comment(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<NewComment>,
) -> Result<HttpResponse, ApiError> {
    let author = caller
        .require_signed_in()
        .map_err(BountyError::from)?
        .sub
        .clone();
    caller
        .require_scope(Action::BountyComment)
        .map_err(BountyError::from)?;
    let row = readable_bounty(&service.store, &caller, path.into_inner()).await?;
    caller
        .authorize(Action::BountyComment, resource_of(&row)?)
        .map_err(BountyError::from)?;
    let text = clean(&body.into_inner().body).map_err(BountyError::from)?;
    count_comment(&service, &author).await?;
    let comment = service
        .store
        .create_comment(row.id, row.is_public, &author, &text)
        .await?;
    Ok(HttpResponse::Created().json(comment.view()))
}

/// Counts one comment by `author`; `comments_rate_limited` past the limit.
async fn count_comment(service: &BountyService, author: &str) -> Result<(), BountyError> {
    let key = service
        .bus
        .keys()
        .namespace("bounty")
        .key(&format!("comments:{author}"));
    let mut connection = service.bus.connection();
    let (count, left): (u32, u64) = redis::Script::new(RAISE)
        .key(key)
        .arg(u64::from(WINDOW_SECONDS) * 1_000)
        .invoke_async(&mut connection)
        .await
        .map_err(BountyError::CommentsUnavailable)?;
    if count > COMMENTS_PER_WINDOW {
        let wait = u32::try_from(left.div_ceil(1_000)).unwrap_or(WINDOW_SECONDS);
        return Err(BountyError::CommentsRateLimited(
            COMMENTS_PER_WINDOW,
            wait.max(1),
        ));
    }
    Ok(())
}
