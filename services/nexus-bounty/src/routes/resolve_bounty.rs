//! `POST /v1/bounties/{id}/resolve`.

use actix_web::{HttpResponse, web};
use nexus_chain::relay;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::EmptyRequest;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{action_bounty, deployment, queued};

/// Asks the chain to resolve the bounty (`resolve`: the stake-weighted majority of the revealed
/// verdicts, or Invalid without quorum; an expired bounty resolves Invalid, which opens the
/// creator's refund). Open to any signed-in account (`bounty:resolve`): it only pays the named
/// accounts. Checks: the bounty readable (404), its reveal deadline passed by the chain's clock
/// and no outcome yet (409 `bounty_not_resolvable`). Keyed by the call, the same key the
/// scheduler uses: asked twice, or by the scheduler too, it is queued once.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/resolve",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = EmptyRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The resolve call is queued for the relayer", body = BountyTransaction),
        (status = 422, description = "A body other than `{}` (`invalid_request_body`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not resolvable now (`bounty_not_resolvable`, `bounty_not_on_chain`)", body = ErrorBody),
        (status = 503, description = "The deployments file or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn resolve_bounty(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    _body: Json<EmptyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(resolve(&service, &caller, path.into_inner()).await?)
}

async fn resolve(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyResolve).await?;
    bounty.require(
        bounty.row.outcome.is_none() && bounty.now > bounty.row.reveal_deadline.timestamp(),
        "bounty_not_resolvable",
        "it resolves once, after its reveal deadline",
    )?;
    let call = relay::resolve_call(deployment(service).await?, bounty.chain_id);
    let key = call.key();
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "resolve".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: key,
        },
    )
    .await
}
