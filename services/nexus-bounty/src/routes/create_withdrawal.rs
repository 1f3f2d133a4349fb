//! `POST /v1/bounties/unstakes/withdrawals`.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, Json};
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::WithdrawalRequest;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::parse_address;
use crate::error::BountyError;
use crate::relayer::TransactionId;
use crate::routes::actions::{chain_now, deployment, job_view};
use crate::scheduler::withdrawal;

/// Releases `account`'s cooled-down unstake back to its free balance now
/// (`withdrawUnstakedFor`, relayed: the analyst pays no gas), instead of waiting for the
/// scheduler's next pass. Open to any signed-in account (`bounty:stake`), like claims: the call
/// names only `account`, and only that account's own lock shrinks. Checks: the account's latest
/// confirmed unstake request has something cooling down (404 `unstake_not_found`) and its
/// cooldown is over by the chain's latest block (409 `unstake_cooling_down`, naming the unlock
/// time). Keyed by the account and its cooldown, the scheduler's key too: asking again (or
/// after the scheduler did) answers the same job.
#[utoipa::path(
    post,
    path = "/v1/bounties/unstakes/withdrawals",
    request_body = WithdrawalRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The withdrawal is queued for the relayer (or was: the same job)", body = BountyTransaction),
        (status = 400, description = "A malformed body or account (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`)", body = ErrorBody),
        (status = 404, description = "Nothing cooling down for the account (`unstake_not_found`)", body = ErrorBody),
        (status = 409, description = "The cooldown is not over (`unstake_cooling_down`)", body = ErrorBody),
        (status = 503, description = "The deployments file or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_withdrawal(
    service: web::Data<BountyService>,
    caller: Caller,
    body: Json<WithdrawalRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(withdraw(&service, &caller, body.0).await?)
}

async fn withdraw(
    service: &BountyService,
    caller: &Caller,
    body: WithdrawalRequest,
) -> Result<HttpResponse, BountyError> {
    caller.require_signed_in()?;
    caller.authorize(Action::BountyStake, Resource::Platform)?;
    let account = parse_address("account", &body.account)?;
    let unstake = service
        .store
        .latest_unstake(account.as_slice())
        .await?
        .filter(|unstake| unstake.total_unstaking != "0")
        .ok_or(BountyError::UnstakeNotFound(account))?;
    let id = match unstake.withdrawal {
        Some(asked) => TransactionId(asked),
        None => {
            if chain_now(service).await < unstake.unlock_time {
                return Err(BountyError::UnstakeCoolingDown {
                    account,
                    unlock_time: unstake.unlock_time,
                });
            }
            let call = withdrawal(deployment(service).await?, account, unstake.unlock_time);
            service
                .store
                .queue_withdrawal(account.as_slice(), unstake.unlock_time, call)
                .await?
        }
    };
    let job =
        service.store.transaction(id).await?.ok_or_else(|| {
            BountyError::Internal(format!("the job {id} just queued cannot be read"))
        })?;
    Ok(HttpResponse::Accepted().json(job_view(job)))
}
