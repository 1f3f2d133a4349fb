//! `GET /v1/leaderboards`.

use actix_web::web;
use chrono::Utc;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::reputation::{Leaderboard, LeaderboardEntry, LeaderboardQuery};
use nexus_runtime::Caller;

use crate::ReputationService;
use crate::boards::board_of;
use crate::domain::leaderboard::Period;
use crate::error::ReputationError;

/// Default number of ranks.
const DEFAULT_LIMIT: u32 = 20;
/// Most ranks per answer.
const MAX_LIMIT: u32 = 100;

/// The best accounts of a period (`week`, `month`, `all`) and kind (`all` or a file type) by
/// their points in it, and the signed-in caller's own rank. Public (`user:read_public` on any
/// account, as the gateway's `leaderboard` topic): guests may read it.
#[utoipa::path(
    get,
    path = "/v1/leaderboards",
    params(LeaderboardQuery),
    tag = "reputation",
    responses(
        (status = 200, description = "The board", body = Leaderboard),
        (status = 400, description = "A `period` or `kind` that is not one of the names, or a `limit` outside 1–100 (`invalid_query`)", body = ErrorBody),
        (status = 503, description = "PostgreSQL or Redis is unreachable (`database_unavailable`, `redis_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_leaderboard(
    service: web::Data<ReputationService>,
    caller: Caller,
    query: web::Query<LeaderboardQuery>,
) -> Result<web::Json<Leaderboard>, ApiError> {
    caller.authorize(
        Action::UserReadPublic,
        Resource::UserAccount { id: "*".to_owned() },
    )?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ReputationError::InvalidQuery(format!("limit must be 1–{MAX_LIMIT}")).into());
    }
    let board = board_of(query.period.as_deref(), query.kind.as_deref(), Utc::now())?;
    let me = caller.subject().map(str::to_owned);
    let page = service
        .boards
        .read(&board, limit as usize, me.as_deref())
        .await?;
    let entries = page
        .top
        .into_iter()
        .zip(1u64..)
        .map(|((user_id, score), rank)| LeaderboardEntry {
            rank,
            user_id,
            score,
        })
        .collect();
    Ok(web::Json(Leaderboard {
        period: board.period.as_str().to_owned(),
        kind: board.kind.as_str().to_owned(),
        starts_at: (board.period != Period::All).then_some(board.bucket.starts_at),
        total: page.total,
        entries,
        me: me
            .zip(page.me)
            .map(|(user_id, (rank, score))| LeaderboardEntry {
                rank: rank + 1,
                user_id,
                score,
            }),
    }))
}
