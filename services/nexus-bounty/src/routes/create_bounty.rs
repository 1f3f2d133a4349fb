//! `POST /v1/bounties`: posts a bounty from terms, a signed create intent and a signed permit,
//! and queues its creation for the relayer.

use actix_web::{HttpResponse, web};
use alloy::primitives::{Address, U256};
use chrono::{DateTime, Utc};
use nexus_chain::deploy::Deployment;
use nexus_chain::{relay, typed_data};
use nexus_client::{CallContext, ClientError};
use nexus_core::bounty::{Artifact, GovernedParameters, Phase};
use nexus_core::{Sha256, UserId};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_intents::{BountyCreated, CreateBountyRequest};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::intent::{Intent, Permit, parse_uint};
use crate::domain::terms::{Posting, SLACK_SECONDS, governed};
use crate::domain::{access, status};
use crate::error::BountyError;
use crate::routes::phase_of;
use crate::store::{CreateCall, NewBounty};
use crate::wallets::{caller_id, require_linked};

/// Posts a bounty. The body carries the terms, the `CreateBounty` intent the caller's wallet
/// signed over them and the EIP-2612 permit for the reward (both from
/// `GET /v1/bounties/intents/create`). Checked, in order: an account with `bounty:create`, the
/// fields, the signer is a wallet linked to the caller, the terms within the governed parameters
/// read from the chain (the last ones read while it is unreachable), the signatures over the
/// typed data rebuilt from these values, and, for a file, that it is stored and the caller
/// uploaded it or it is public (which makes it readable by analysts). The bounty (`pending`) and
/// its `createBountyBySig` call are written in one transaction; the relayer sends the call,
/// also later if the chain is down now. The same signed intent again answers the same bounty.
#[utoipa::path(
    post,
    path = "/v1/bounties",
    tag = "bounty",
    request_body = CreateBountyRequest,
    responses(
        (status = 202, description = "The bounty, pending until its creation is confirmed on chain, and the queued call", body = BountyCreated),
        (status = 400, description = "A malformed field (`invalid_artifact`, `invalid_amount`, `invalid_intent`) or body (`invalid_json`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Not allowed to post (`forbidden`, `scope_insufficient`), or the signer is not a wallet of the caller (`wallet_not_linked`)", body = ErrorBody),
        (status = 404, description = "The file is not stored, or the caller neither uploaded it nor may read it as public (`file_not_found`)", body = ErrorBody),
        (status = 422, description = "Terms outside the governed parameters (`reward_too_low`, `min_stake_too_low`, `deadline_outside_window`, `amount_above_supply`), signatures not over these values (`intent_signature_mismatch`), an expired intent or permit (`intent_expired`), or a body of another shape (`invalid_request_body`)", body = ErrorBody),
        (status = 503, description = "The chain was never read since the service started, or nexus-user, nexus-analysis or the database cannot be reached (`chain_unavailable`, `user_service_unavailable`, `analysis_service_unavailable`, `database_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_bounty(
    service: web::Data<BountyService>,
    caller: Caller,
    body: nexus_http::Json<CreateBountyRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user_id = may_post(&caller, body.is_public)?;
    let posting = Posting::parse(
        &body.artifact,
        &body.reward,
        &body.min_stake,
        body.assertion_deadline,
    )
    .map_err(BountyError::from)?;
    let intent = Intent::parse(&body.intent).map_err(BountyError::from)?;
    let permit = Permit::parse(&body.permit).map_err(BountyError::from)?;
    let permit_nonce = parse_uint("permit.nonce", &body.permit.nonce).map_err(BountyError::from)?;
    let checked = check_posting(&service, &caller, intent.signer, &posting).await?;

    let request = posting.request();
    let typed = typed_data::create_bounty(
        checked.deployment,
        intent.signer,
        &request,
        intent.nonce,
        intent.deadline,
    );
    intent
        .check(&typed, checked.now)
        .map_err(BountyError::from)?;
    let permit_typed = typed_data::permit(
        checked.deployment,
        intent.signer,
        U256::from(posting.terms.reward),
        permit_nonce,
        permit.deadline,
    );
    permit
        .check(&permit_typed, intent.signer, checked.now)
        .map_err(BountyError::from)?;
    let digest = typed
        .signing_hash()
        .map_err(|error| BountyError::Internal(format!("the create intent's digest: {error}")))?;

    if let Artifact::File { sha256 } = &posting.artifact {
        mark_file(&service, Sha256::from_digest(*sha256), user_id).await?;
    }
    let new = new_bounty(
        user_id,
        intent.signer,
        &posting,
        &checked.params,
        body.is_public,
        digest.0,
    )?;
    let call = relay::create_bounty_call(
        checked.deployment,
        request,
        intent.to_bounty(),
        permit.to_abi(),
    );
    let (id, created) = service
        .store
        .create_bounty(
            &new,
            CreateCall {
                to: call.to,
                calldata: call.data,
            },
        )
        .await?;
    tracing::info!(bounty = %id, created, "bounty posted");
    Ok(HttpResponse::Accepted().json(created_view(&service, id).await?))
}

/// The caller's account id, once the policies allow it to post a bounty (its own).
pub(crate) fn may_post(caller: &Caller, is_public: bool) -> Result<UserId, BountyError> {
    let user_id = caller_id(caller)?;
    let resource = access::resource("new", &user_id.to_string(), Phase::Draft, is_public);
    caller.authorize(Action::BountyCreate, resource)?;
    Ok(user_id)
}

/// What the chain-facing checks of a posting found.
pub(crate) struct CheckedPosting<'a> {
    /// The contracts.
    pub deployment: &'a Deployment,
    /// The governed parameters the terms were checked against.
    pub params: GovernedParameters,
    /// The chain's clock the windows and deadlines are checked against.
    pub now: u64,
}

/// `signer` is a wallet of the caller, and `posting`'s terms are within the governed parameters
/// at the chain's clock (with [`SLACK_SECONDS`] for the creation to reach a block).
pub(crate) async fn check_posting<'a>(
    service: &'a BountyService,
    caller: &Caller,
    signer: Address,
    posting: &Posting,
) -> Result<CheckedPosting<'a>, BountyError> {
    require_linked(service, caller, signer).await?;
    let deployment: &Deployment = service.chain.deployment().await?;
    let params = governed(&service.chain.parameters().await?);
    let now = service.chain.now().await;
    posting.terms.check(&params, now, SLACK_SECONDS)?;
    Ok(CheckedPosting {
        deployment,
        params,
        now,
    })
}

/// Asks nexus-analysis whether the caller may post a bounty on the file, which marks it.
async fn mark_file(
    service: &BountyService,
    sha256: Sha256,
    user_id: UserId,
) -> Result<(), BountyError> {
    match service
        .analysis
        .mark_bounty_artifact(&CallContext::none(), &sha256, user_id)
        .await
    {
        Ok(_) => Ok(()),
        Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => {
            Err(BountyError::FileNotFound(sha256.to_string()))
        }
        Err(error) => Err(BountyError::AnalysisServiceUnavailable(error)),
    }
}

fn new_bounty(
    user_id: UserId,
    signer: Address,
    posting: &Posting,
    params: &GovernedParameters,
    is_public: bool,
    intent_digest: [u8; 32],
) -> Result<NewBounty, BountyError> {
    let moment = |seconds: u64| {
        i64::try_from(seconds)
            .ok()
            .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
            .ok_or_else(|| BountyError::Internal(format!("unix second {seconds} out of range")))
    };
    let (artifact_url, artifact_chain_id, artifact_address) = match &posting.artifact {
        Artifact::File { .. } => (None, None, None),
        Artifact::Url { url } => (Some(url.clone()), None, None),
        Artifact::Contract { chain_id, address } => {
            let chain_id = i64::try_from(*chain_id).map_err(|_| {
                crate::domain::terms::PostingError::Artifact(format!(
                    "artifact.chain_id {chain_id} is too large"
                ))
            })?;
            (None, Some(chain_id), Some(*address))
        }
    };
    Ok(NewBounty {
        creator_id: user_id.to_string(),
        creator_address: signer.into_array(),
        artifact_kind: posting.artifact.kind().as_str(),
        artifact_hash: posting.artifact_hash(),
        artifact_url,
        artifact_chain_id,
        artifact_address,
        reward: posting.terms.reward,
        min_stake: posting.terms.min_stake,
        assertion_deadline: moment(posting.terms.assertion_deadline)?,
        reveal_deadline: moment(posting.terms.reveal_deadline(params))?,
        is_public,
        intent_digest,
    })
}

/// The bounty `id` as the answer shows it: its status and its create call.
async fn created_view(service: &BountyService, id: Uuid) -> Result<BountyCreated, BountyError> {
    let row =
        service.store.bounty(id).await?.ok_or_else(|| {
            BountyError::Internal(format!("bounty {id} vanished after its insert"))
        })?;
    let transaction = service
        .store
        .bounty_transactions(id)
        .await?
        .into_iter()
        .find(|job| job.kind == "create_bounty")
        .map(|job| BountyTransaction {
            id: job.id.0,
            kind: job.kind,
            status: job.status.as_str().to_owned(),
            tx_hash: job.tx_hash.map(|hash| hash.to_string()),
            block_number: job.block_number,
            attempts: job.attempts,
            last_error: job.last_error,
        });
    Ok(BountyCreated {
        id,
        status: status::wire(phase_of(&row)?),
        transaction,
    })
}
