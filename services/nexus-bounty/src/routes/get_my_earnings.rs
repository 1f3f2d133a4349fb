//! `GET /v1/me/earnings`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::bounty_me::{EarningsQuery, MyEarnings};
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::earnings::{summarize, wire_periods};
use crate::error::BountyError;
use crate::routes::list_my_assertions::own_wallets;

/// Default number of periods.
const DEFAULT_PERIODS: u32 = 12;
/// Most periods (a year of days).
const MAX_PERIODS: u32 = 366;

/// What the caller's wallets earned and lost, from the chain's confirmed facts: claimable and
/// claimed payouts, stake in unresolved bounties, slashes, forfeited stake, rewards (pool
/// shares) and creator refunds, in wei, as totals and for the last `periods` periods of
/// `period` (UTC; default 12 months). The settlement amounts are those the chain listener
/// computed with `nexus_core::settlement`. Own data: `user:read_private` on the caller's
/// account.
#[utoipa::path(
    get,
    path = "/v1/me/earnings",
    params(EarningsQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The caller's earnings", body = MyEarnings),
        (status = 400, description = "An unknown period or a count out of range (`invalid_query`, `invalid_filter`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database or nexus-user is unreachable (`database_unavailable`, `user_service_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_my_earnings(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<EarningsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let period = query.period.unwrap_or_default();
    let count = query.periods.unwrap_or(DEFAULT_PERIODS);
    if !(1..=MAX_PERIODS).contains(&count) {
        return Err(BountyError::InvalidFilter(format!("periods must be 1–{MAX_PERIODS}")).into());
    }
    let wallets = own_wallets(&service, &caller).await?;
    let facts = service.store.earnings_facts(&wallets).await?;
    let commitments = service.store.commitments_of(&wallets).await?;
    let (totals, periods) = summarize(&facts, &commitments, period, count, chrono::Utc::now())
        .map_err(|error| BountyError::Internal(error.to_string()))?;
    Ok(HttpResponse::Ok().json(MyEarnings {
        period,
        totals: totals.wire(),
        periods: wire_periods(&periods),
    }))
}
