//! `GET /v1/bounties/intents/commit`.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::typed_data;
use nexus_core::bounty::Phase;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::IntentToSign;
use nexus_proto::bounty_actions::CommitIntentQuery;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::{parse_address, parse_bytes32};
use crate::error::BountyError;
use crate::routes::actions::{
    INTENT_LIFETIME_SECONDS, action_bounty, deployment, stake_for, to_sign,
};
use crate::wallets::require_linked;

/// What an analyst's wallet signs to commit a sealed assertion: the `CommitAssertion` typed data
/// (the signer's current bounty nonce, valid for an hour by the chain's clock) and the EIP-2612
/// permit for the stake. Same checks as the commitment itself: the bounty readable (404),
/// `bounty:assert` (analysts, never on their own bounty), open (409 `bounty_not_open`), the stake
/// at least the minimum (422 `stake_too_low`), the signer a linked wallet (403).
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/commit",
    params(CommitIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The typed data to sign with `eth_signTypedData_v4`", body = IntentToSign),
        (status = 400, description = "A malformed signer, commitment or stake (`invalid_intent`, `invalid_query`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an analyst, the caller's own bounty (`forbidden`), or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not open for commitments (`bounty_not_open`, `bounty_not_on_chain`)", body = ErrorBody),
        (status = 422, description = "The stake is below the bounty's minimum (`stake_too_low`)", body = ErrorBody),
        (status = 503, description = "The chain cannot be read (`chain_unavailable`) or nexus-user is down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_commit_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<CommitIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(commit_intent(&service, &caller, query.into_inner()).await?)
}

async fn commit_intent(
    service: &BountyService,
    caller: &Caller,
    query: CommitIntentQuery,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, query.bounty, Action::BountyAssert).await?;
    bounty.require(
        bounty.phase == Phase::Open,
        "bounty_not_open",
        "commitments are accepted while it is open",
    )?;
    let signer = parse_address("signer", &query.signer)?;
    let commitment = parse_bytes32("commitment", &query.commitment)?;
    let stake = stake_for(&bounty, "stake", &query.stake)?;
    require_linked(service, caller, signer).await?;
    let deployment = deployment(service).await?;
    let nonces = service.chain.nonces(signer).await?;
    let deadline = U256::from(bounty.now.saturating_add(INTENT_LIFETIME_SECONDS));
    let typed = typed_data::commit(
        deployment,
        signer,
        bounty.chain_id,
        commitment,
        stake,
        nonces.bounty,
        deadline,
    );
    let permit = typed_data::permit(
        deployment,
        signer,
        U256::from(stake),
        nonces.permit,
        deadline,
    );
    let submit = format!(
        "POST /api/v1/bounties/{}/commitments with {{\"commitment\", \"stake\", \"intent\": \
         {{\"signer\", \"nonce\", \"deadline\", \"signature\"}}, \"permit\": {{\"nonce\", \
         \"deadline\", \"signature\"}}}}: the intent's values from typed_data.message, the \
         permit's from permit.message, each signature from eth_signTypedData_v4",
        bounty.row.id
    );
    Ok(to_sign(
        "commit",
        signer,
        deployment,
        Some(&typed),
        Some(&permit),
        submit,
    ))
}
