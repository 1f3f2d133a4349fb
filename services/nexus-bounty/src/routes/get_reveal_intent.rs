//! `GET /v1/bounties/intents/reveal`.

use actix_web::{HttpResponse, web};
use nexus_core::bounty::Phase;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::IntentToSign;
use nexus_proto::bounty_actions::BountyIntentQuery;
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::intent::parse_address;
use crate::error::BountyError;
use crate::routes::actions::{action_bounty, deployment, to_sign};
use crate::wallets::require_linked;

/// A reveal is not signed (`typed_data: null`): the contract accepts only the values that hash to
/// the analyst's own commitment, so nobody can reveal anything else. This says where to send them
/// once the reveal window is open. Checks: the bounty readable (404), `bounty:assert`, revealing
/// (409 `bounty_not_revealing`), the signer a linked wallet (403).
#[utoipa::path(
    get,
    path = "/v1/bounties/intents/reveal",
    params(BountyIntentQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "How to reveal (no typed data)", body = IntentToSign),
        (status = 400, description = "A malformed signer (`invalid_intent`, `invalid_query`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an analyst (`forbidden`) or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not in its reveal window (`bounty_not_revealing`)", body = ErrorBody),
        (status = 503, description = "The chain cannot be read (`chain_unavailable`) or nexus-user is down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_reveal_intent(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<BountyIntentQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(reveal_intent(&service, &caller, query.into_inner()).await?)
}

async fn reveal_intent(
    service: &BountyService,
    caller: &Caller,
    query: BountyIntentQuery,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, query.bounty, Action::BountyAssert).await?;
    bounty.require(
        bounty.phase == Phase::Revealing,
        "bounty_not_revealing",
        "reveals are accepted after the commit window closed, until the reveal deadline",
    )?;
    let signer = parse_address("signer", &query.signer)?;
    require_linked(service, caller, signer).await?;
    let deployment = deployment(service).await?;
    let submit = format!(
        "POST /api/v1/bounties/{}/reveals with {{\"analyst\": \"{}\", \"verdict\": \"benign\" | \
         \"malicious\", \"confidence\", \"metadata_hash\", \"salt\"}}: exactly the values the \
         commitment hashed (nothing to sign)",
        bounty.row.id,
        signer.to_checksum(None)
    );
    Ok(to_sign("reveal", signer, deployment, None, None, submit))
}
