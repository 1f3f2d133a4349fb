//! `GET /v1/bounties/intents/stake` and `GET /v1/bounties/intents/unstake`.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::typed_data;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty::IntentToSign;
use nexus_proto::bounty_actions::StakeIntentQuery;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::{parse_address, parse_uint};
use crate::error::BountyError;
use crate::routes::actions::{INTENT_LIFETIME_SECONDS, chain_now, deployment, to_sign};
use crate::wallets::require_linked;

/// What a wallet signs to stake `amount` of its own NXS as qualifying stake, relayed with the
/// token's `stakeBySig` (the platform pays the gas, so an analyst without ETH can qualify; no
/// permit: no token leaves the wallet). The `Stake` typed data carries the signer's staking nonce
/// and is valid for an hour. Needs `bounty:stake` (signed-in accounts) and a linked wallet.
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/stake",
    params(StakeIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The typed data to sign with `eth_signTypedData_v4`", body = IntentToSign),
        (status = 400, description = "A malformed signer or amount (`invalid_intent`, `invalid_query`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 503, description = "The chain cannot be read (`chain_unavailable`) or nexus-user is down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_stake_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<StakeIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(staking_intent(&service, &caller, query.into_inner(), false).await?)
}

/// Like `GET /v1/bounties/intents/stake`, for a `RequestUnstake` intent: starts the cooldown of
/// `amount` of the signer's stake (relayed with `requestUnstakeBySig`).
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/unstake",
    params(StakeIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The typed data to sign with `eth_signTypedData_v4`", body = IntentToSign),
        (status = 400, description = "A malformed signer or amount (`invalid_intent`, `invalid_query`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 503, description = "The chain cannot be read (`chain_unavailable`) or nexus-user is down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_unstake_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<StakeIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(staking_intent(&service, &caller, query.into_inner(), true).await?)
}

async fn staking_intent(
    service: &BountyService,
    caller: &Caller,
    query: StakeIntentQuery,
    unstake: bool,
) -> Result<HttpResponse, BountyError> {
    caller.require_signed_in()?;
    caller.authorize(Action::BountyStake, Resource::Platform)?;
    let signer = parse_address("signer", &query.signer)?;
    let amount = parse_uint("amount", &query.amount)?;
    require_linked(service, caller, signer).await?;
    let deployment = deployment(service).await?;
    let nonces = service.chain.nonces(signer).await?;
    let now = chain_now(service).await;
    let deadline = U256::from(now.saturating_add(INTENT_LIFETIME_SECONDS));
    let (kind, typed, path) = if unstake {
        let typed =
            typed_data::request_unstake(deployment, signer, amount, nonces.staking, deadline);
        ("unstake", typed, "unstakes")
    } else {
        let typed = typed_data::stake(deployment, signer, amount, nonces.staking, deadline);
        ("stake", typed, "stakes")
    };
    let submit = format!(
        "POST /api/v1/bounties/{path} with {{\"amount\": \"{amount}\", \"intent\": {{\"signer\", \
         \"nonce\", \"deadline\", \"signature\"}}}}: the values from typed_data.message and the \
         signature from eth_signTypedData_v4"
    );
    Ok(to_sign(
        kind,
        signer,
        deployment,
        Some(&typed),
        None,
        submit,
    ))
}
