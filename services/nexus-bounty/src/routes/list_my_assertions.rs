//! `GET /v1/me/assertions`.

use actix_web::{HttpResponse, web};
use chrono::DateTime;
use nexus_core::hex;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty_me::{AssertionOutcome, MyAssertion, MyAssertionPage, PageQuery};
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::comments::{assertion_cursor, parse_assertion_cursor};
use crate::domain::earnings::SettledOutcome;
use crate::error::BountyError;
use crate::store::MyAssertionRow;
use crate::wallets::{caller_id, linked_wallets};

/// Default page size.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
const MAX_LIMIT: u32 = 100;

/// The caller's assertions across bounties, newest commitment first: every wallet the account
/// linked is the caller. Each shows the bounty, the wallet, stake, commit time, the verdict
/// once revealed, and once resolved the outcome, payout, forfeited stake and any slash, and
/// whether it was claimed. Own data: `user:read_private` on the caller's account.
#[utoipa::path(
    get,
    path = "/v1/me/assertions",
    params(PageQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "One page of the caller's assertions", body = MyAssertionPage),
        (status = 400, description = "A malformed page size or cursor (`invalid_query`, `invalid_filter`, `invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database or nexus-user is unreachable (`database_unavailable`, `user_service_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_my_assertions(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|text| parse_assertion_cursor(text).ok_or(crate::domain::cursor::InvalidCursor))
        .transpose()
        .map_err(BountyError::from)?;
    let wallets = own_wallets(&service, &caller).await?;
    let rows = service
        .store
        .my_assertions(&wallets, before, i64::from(limit))
        .await?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(assertion_cursor(last.seq)),
        _ => None,
    };
    let assertions = rows
        .iter()
        .map(view)
        .collect::<Result<Vec<_>, BountyError>>()?;
    Ok(HttpResponse::Ok().json(MyAssertionPage {
        assertions,
        next_cursor,
    }))
}

/// The wallets of the signed-in caller, once `user:read_private` on their own account allows
/// reading its private data (the account's own assertions and earnings are exactly that).
pub(crate) async fn own_wallets(
    service: &BountyService,
    caller: &Caller,
) -> Result<Vec<Vec<u8>>, BountyError> {
    let user_id = caller_id(caller)?;
    caller.authorize(
        Action::UserReadPrivate,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    Ok(linked_wallets(service, user_id)
        .await?
        .iter()
        .map(|address| address.to_vec())
        .collect())
}

/// `limit` checked (1–100, default 20).
pub(crate) fn page_limit(limit: Option<u32>) -> Result<u32, BountyError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(BountyError::InvalidFilter(format!(
            "limit must be 1–{MAX_LIMIT}"
        )))
    }
}

fn view(row: &MyAssertionRow) -> Result<MyAssertion, BountyError> {
    let corrupt =
        |what: &str| BountyError::Internal(format!("assertion {} has an invalid {what}", row.seq));
    let outcome = row
        .outcome
        .as_deref()
        .map(|text| {
            SettledOutcome::parse(text)
                .map(|outcome| match outcome {
                    SettledOutcome::Won => AssertionOutcome::Right,
                    SettledOutcome::Lost => AssertionOutcome::Wrong,
                    SettledOutcome::Refunded => AssertionOutcome::Refunded,
                    SettledOutcome::Unrevealed => AssertionOutcome::Unrevealed,
                })
                .ok_or_else(|| corrupt("outcome"))
        })
        .transpose()?;
    Ok(MyAssertion {
        bounty_id: row.bounty_id,
        chain_bounty_id: row
            .chain_bounty_id
            .map(|id| u64::try_from(id).map_err(|_| corrupt("chain id")))
            .transpose()?,
        analyst: format!("0x{}", hex::encode(&row.analyst)),
        stake: row.stake.clone(),
        committed_at: DateTime::from_timestamp(row.committed_at, 0)
            .ok_or_else(|| corrupt("time"))?,
        verdict: row.verdict.clone(),
        outcome,
        payout: row.payout.clone(),
        forfeited: row.forfeited.clone(),
        slashed: row.slashed.clone(),
        claimed: row.claimed,
    })
}
