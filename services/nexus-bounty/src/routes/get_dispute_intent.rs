//! `GET /v1/bounties/intents/dispute`.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::typed_data;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::IntentToSign;
use nexus_proto::bounty_actions::BountyIntentQuery;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::parse_address;
use crate::error::BountyError;
use crate::routes::actions::{INTENT_LIFETIME_SECONDS, action_bounty, deployment, to_sign};
use crate::routes::create_dispute::{disputable, require_participant};
use crate::wallets::require_linked;

/// What the creator's or a revealed analyst's wallet signs to dispute a result: the `OpenDispute`
/// typed data (current bounty nonce, valid for an hour). Checks: the bounty readable (404),
/// `bounty:dispute`, within its dispute window (409 `bounty_not_disputable`), the signer a linked
/// wallet (403 `wallet_not_linked`) that created the bounty or revealed on it (403
/// `not_a_participant`).
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/dispute",
    params(BountyIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "The typed data to sign with `eth_signTypedData_v4`", body = IntentToSign),
        (status = 400, description = "A malformed signer (`invalid_intent`, `invalid_query`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`), a wallet not linked (`wallet_not_linked`) or not a participant (`not_a_participant`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not in its dispute window (`bounty_not_disputable`)", body = ErrorBody),
        (status = 503, description = "The chain cannot be read (`chain_unavailable`) or nexus-user is down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_dispute_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<BountyIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(dispute_intent(&service, &caller, query.into_inner()).await?)
}

async fn dispute_intent(
    service: &BountyService,
    caller: &Caller,
    query: BountyIntentQuery,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, query.bounty, Action::BountyDispute).await?;
    disputable(service, &bounty).await?;
    let signer = parse_address("signer", &query.signer)?;
    require_linked(service, caller, signer).await?;
    require_participant(service, &bounty, signer).await?;
    let deployment = deployment(service).await?;
    let nonces = service.chain.nonces(signer).await?;
    let deadline = U256::from(bounty.now.saturating_add(INTENT_LIFETIME_SECONDS));
    let typed =
        typed_data::open_dispute(deployment, signer, bounty.chain_id, nonces.bounty, deadline);
    let submit = format!(
        "POST /api/v1/bounties/{}/disputes with {{\"intent\": {{\"signer\", \"nonce\", \
         \"deadline\", \"signature\"}}}}: the values from typed_data.message and the signature \
         from eth_signTypedData_v4",
        bounty.row.id
    );
    Ok(to_sign(
        "dispute",
        signer,
        deployment,
        Some(&typed),
        None,
        submit,
    ))
}
