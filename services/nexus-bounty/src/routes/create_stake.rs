//! `POST /v1/bounties/stakes` and `POST /v1/bounties/unstakes`.

use actix_web::{HttpResponse, web};
use nexus_chain::{relay, typed_data};
use nexus_http::{ApiError, Json};
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::StakeRequest;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::{Intent, parse_uint};
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{chain_now, deployment, digest, queued};
use crate::wallets::require_linked;

/// Stakes `amount` of the signer's own NXS as qualifying stake with a signed `Stake` intent,
/// relayed with the token's `stakeBySig`: the platform pays the gas, so a wallet without ETH can
/// qualify as an analyst. Checks: signed in (401), `bounty:stake` (403), the signer a linked
/// wallet (403 `wallet_not_linked`), the intent signed over this amount and not expired (422).
/// Keyed by the intent's digest.
#[utoipa::path(
    post,
    path = "/v1/bounties/stakes",
    request_body = StakeRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The stake call is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body, amount or intent (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 422, description = "Signed by another key or over other values (`intent_signature_mismatch`) or expired (`intent_expired`)", body = ErrorBody),
        (status = 503, description = "The deployments file, nexus-user or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_stake(
    service: web::Data<BountyService>,
    caller: Caller,
    body: Json<StakeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(staking(&service, &caller, body.0, false).await?)
}

/// Starts the cooldown of `amount` of the signer's stake with a signed `RequestUnstake` intent,
/// relayed with `requestUnstakeBySig`; the same checks as a stake.
#[utoipa::path(
    post,
    path = "/v1/bounties/unstakes",
    request_body = StakeRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The unstake request is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body, amount or intent (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 422, description = "Signed by another key or over other values (`intent_signature_mismatch`) or expired (`intent_expired`)", body = ErrorBody),
        (status = 503, description = "The deployments file, nexus-user or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_unstake(
    service: web::Data<BountyService>,
    caller: Caller,
    body: Json<StakeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(staking(&service, &caller, body.0, true).await?)
}

async fn staking(
    service: &BountyService,
    caller: &Caller,
    body: StakeRequest,
    unstake: bool,
) -> Result<HttpResponse, BountyError> {
    caller.require_signed_in()?;
    caller.authorize(Action::BountyStake, Resource::Platform)?;
    let amount = parse_uint("amount", &body.amount)?;
    let intent = Intent::parse(&body.intent)?;
    require_linked(service, caller, intent.signer).await?;
    let deployment = deployment(service).await?;
    let now = u64::try_from(chain_now(service).await).unwrap_or_default();
    let (kind, typed, call) = if unstake {
        let typed = typed_data::request_unstake(
            deployment,
            intent.signer,
            amount,
            intent.nonce,
            intent.deadline,
        );
        let call = relay::request_unstake_call(deployment, amount, intent.to_token());
        ("request_unstake", typed, call)
    } else {
        let typed = typed_data::stake(
            deployment,
            intent.signer,
            amount,
            intent.nonce,
            intent.deadline,
        );
        (
            "stake",
            typed,
            relay::stake_call(deployment, amount, intent.to_token()),
        )
    };
    intent.check(&typed, now)?;
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: kind.to_owned(),
            bounty_id: None,
            to,
            calldata,
            idempotency_key: digest(&typed)?,
        },
    )
    .await
}
