//! `GET /v1/reputation/{user_id}/history`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::reputation::{HistoryEntry, HistoryPage, HistoryQuery, TrustLevel};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::ReputationService;
use crate::domain::cursor;
use crate::error::ReputationError;
use crate::store::HistoryRow;

/// Default page size.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
const MAX_LIMIT: u32 = 100;

/// Every change of the account's wallets' reputation, newest first, each with its reason (the
/// bounty, the chain event, the outcome), the change and the score after it. Public like the
/// reputation itself; an account without any is an empty page.
#[utoipa::path(
    get,
    path = "/v1/reputation/{user_id}/history",
    params(("user_id" = Uuid, Path, description = "The account's user id"), HistoryQuery),
    tag = "reputation",
    responses(
        (status = 200, description = "One page of the history", body = HistoryPage),
        (status = 400, description = "A `limit` outside 1–100 (`invalid_query`) or a cursor this list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn list_history(
    service: web::Data<ReputationService>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<HistoryPage>, ApiError> {
    let user_id = path.into_inner();
    caller.authorize(
        Action::UserReadPublic,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ReputationError::InvalidQuery(format!("limit must be 1–{MAX_LIMIT}")).into());
    }
    let before = query
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()
        .map_err(ReputationError::from)?;
    let rows = service
        .store
        .history_of(user_id, before, i64::from(limit))
        .await?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(cursor::encode(last.id)),
        _ => None,
    };
    let entries = rows
        .into_iter()
        .map(entry)
        .collect::<Result<Vec<_>, ReputationError>>()?;
    Ok(web::Json(HistoryPage {
        entries,
        next_cursor,
    }))
}

fn entry(row: HistoryRow) -> Result<HistoryEntry, ReputationError> {
    let corrupt =
        |what: &str| ReputationError::Internal(format!("history {} has an invalid {what}", row.id));
    Ok(HistoryEntry {
        id: row.id,
        bounty_id: u64::try_from(row.bounty_id).map_err(|_| corrupt("bounty id"))?,
        trust_level: TrustLevel::parse(&row.trust_level).ok_or_else(|| corrupt("trust level"))?,
        analyst: row.analyst,
        reason: row.reason,
        outcome: row.outcome,
        analyst_outcome: row.analyst_outcome,
        delta: row.delta,
        score: row.score,
        recorded_at: row.recorded_at,
    })
}
