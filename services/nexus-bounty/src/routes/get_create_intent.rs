//! `GET /v1/bounties/intents/create`: the typed data a wallet signs to post a bounty.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::typed_data;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::IntentToSign;
use nexus_proto::bounty_intents::CreateIntentQuery;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::parse_address;
use crate::domain::terms::{Posting, intent_deadline};
use crate::error::BountyError;
use crate::routes::create_bounty::{check_posting, may_post};

/// The `CreateBounty` typed data for these terms (with the signer's current bounty nonce from
/// the chain) and the EIP-2612 `Permit` typed data for the reward (owner the signer, spender the
/// bounty contract, the signer's token permit nonce), both valid for an hour of chain time: the
/// two arguments of `eth_signTypedData_v4`. Send the terms and both signatures to
/// `POST /v1/bounties`. The terms are checked as the post checks them (except whether a file is
/// stored: asking for typed data changes nothing), so a client learns early. Needs an account
/// with `bounty:create` and a `signer` linked to it.
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/create",
    params(CreateIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The typed data to sign", body = IntentToSign),
        (status = 400, description = "A malformed query (`invalid_query`), artifact (`invalid_artifact`), amount (`invalid_amount`) or signer (`invalid_intent`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Not allowed to post (`forbidden`, `scope_insufficient`), or the signer is not a wallet of the caller (`wallet_not_linked`)", body = ErrorBody),
        (status = 422, description = "Terms outside the governed parameters (`reward_too_low`, `min_stake_too_low`, `deadline_outside_window`, `amount_above_supply`)", body = ErrorBody),
        (status = 503, description = "The chain (nonces) or nexus-user cannot be read (`chain_unavailable`, `user_service_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_create_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<CreateIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    may_post(&caller, false)?;
    let signer = parse_address("signer", &query.signer).map_err(BountyError::from)?;
    let posting = Posting::parse(
        &query.artifact(),
        &query.reward,
        &query.min_stake,
        query.assertion_deadline,
    )
    .map_err(BountyError::from)?;
    let checked = check_posting(&service, &caller, signer, &posting).await?;
    let nonces = service.chain.nonces(signer).await?;
    let deadline = intent_deadline(checked.now);
    let intent = typed_data::create_bounty(
        checked.deployment,
        signer,
        &posting.request(),
        nonces.bounty,
        deadline,
    );
    let permit = typed_data::permit(
        checked.deployment,
        signer,
        U256::from(posting.terms.reward),
        nonces.permit,
        deadline,
    );
    Ok(HttpResponse::Ok().json(IntentToSign {
        kind: "create".to_owned(),
        signer: signer.to_checksum(None),
        chain_id: checked.deployment.chain_id,
        typed_data: Some(intent.to_json()),
        permit: Some(permit.to_json()),
        submit: "POST /api/v1/bounties with the terms, `intent` {signer, nonce, deadline, \
                 signature} and `permit` {nonce, deadline, signature} from these typed data"
            .to_owned(),
    }))
}
