//! `GET /v1/chain/proposals/{id}`, and the proposal view the list shares.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::bindings::governance::GovernanceContract;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain_proposals::{
    LogRef, ProposalAction, ProposalState, ProposalView, VoteTotals,
};
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::domain::proposal::{self, LogCursor, Phase, Tally};
use crate::error::ChainListenerError;
use crate::routes::{authorize_read, chain_id};
use crate::store::proposals_read::{ProposalQuery, ProposalRow};

/// One governance proposal: its calls and description, the vote window, the vote totals, and
/// its state now (queued, executed and canceled from its logs; pending, active, succeeded and
/// defeated computed from the window against the last block read, the totals and the
/// Governor's quorum), with the eta once queued. Anyone may read it, guests included
/// (`chain:read`): it is public on the chain.
#[utoipa::path(
    get,
    path = "/v1/chain/proposals/{id}",
    params(("id" = String, Path, description = "The Governor's proposal id, in decimal", pattern = "^[0-9]{1,78}$")),
    tag = "chain",
    responses(
        (status = 200, description = "The proposal", body = ProposalView),
        (status = 400, description = "Not a proposal id (`invalid_proposal_id`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 404, description = "No such proposal in the confirmed logs (`proposal_not_found`)", body = ErrorBody),
        (status = 503, description = "The chain was never reached, or its quorum could not be read when the state needs it (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_proposal(
    service: web::Data<ChainListenerService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let proposal_id =
        proposal::parse_proposal_id(&path).map_err(ChainListenerError::InvalidProposalId)?;
    let chain_id = chain_id(&service)?;
    let now = clock(&service, chain_id).await?;
    let row = stored_proposal(&service, chain_id, &proposal_id, now).await?;
    Ok(HttpResponse::Ok().json(view(&service, chain_id, now, row).await?))
}

/// The stored proposal `proposal_id` (canonical decimal), or 404.
pub(crate) async fn stored_proposal(
    service: &ChainListenerService,
    chain_id: u64,
    proposal_id: &str,
    now: u64,
) -> Result<ProposalRow, ChainListenerError> {
    let query = ProposalQuery {
        proposal_id: Some(proposal_id),
        phase: None,
        now,
        after: None,
        limit: 1,
    };
    service
        .store
        .proposals(chain_id, query)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ChainListenerError::ProposalNotFound(proposal_id.to_owned()))
}

/// The clock proposal states are judged at: the time of the last block read (this process's,
/// else the stored checkpoint's), so the state agrees with the vote totals read with it.
pub(crate) async fn clock(
    service: &ChainListenerService,
    chain_id: u64,
) -> Result<u64, ChainListenerError> {
    let read_time = match service.follower.state().read_time {
        Some(time) => Some(time),
        None => match service.store.checkpoint(chain_id).await? {
            Some(checkpoint) => {
                service
                    .store
                    .block_time(chain_id, checkpoint.block.number)
                    .await?
            }
            None => None,
        },
    };
    Ok(read_time
        .and_then(|time| u64::try_from(time.timestamp()).ok())
        .unwrap_or_default())
}

/// The Governor's quorum for a vote that opened after `vote_start`, read at the latest block
/// (fixed once the snapshot is past, so any block after it gives the same answer).
async fn quorum(
    service: &ChainListenerService,
    vote_start: u64,
) -> Result<U256, ChainListenerError> {
    let reader = service
        .follower
        .reader()
        .ok_or_else(|| ChainListenerError::ChainUnavailable("not connected yet".to_owned()))?;
    let governor = GovernanceContract::new(reader.contracts.governance, reader.provider().clone());
    let call = governor.quorum(U256::from(vote_start));
    match tokio::time::timeout(service.settings.chain.request_timeout, call.call()).await {
        Ok(Ok(quorum)) => Ok(quorum),
        Ok(Err(error)) => Err(ChainListenerError::ChainUnavailable(format!(
            "the Governor's quorum could not be read: {error}"
        ))),
        Err(_) => Err(ChainListenerError::ChainUnavailable(
            "the Governor's quorum could not be read in time".to_owned(),
        )),
    }
}

/// The wire view of `row` at `now`, asking the Governor for the quorum only when the state
/// depends on it.
pub(crate) async fn view(
    service: &ChainListenerService,
    chain_id: u64,
    now: u64,
    row: ProposalRow,
) -> Result<ProposalView, ChainListenerError> {
    let amount = |text: &str| {
        proposal::amount(text).ok_or_else(|| {
            ChainListenerError::Internal(format!(
                "proposal {} has a stored total {text:?} that is not a uint256",
                row.proposal_id
            ))
        })
    };
    let tally = Tally {
        for_votes: amount(&row.for_votes)?,
        against: amount(&row.against)?,
        abstain: amount(&row.abstain)?,
    };
    let phase = proposal::phase(
        row.stored_state.as_deref(),
        row.vote_start,
        row.vote_end,
        now,
        tally,
    );
    let (state, quorum) = match phase {
        Phase::Known(state) => (state, None),
        Phase::NeedsQuorum => {
            let quorum = quorum(service, row.vote_start).await?;
            (
                proposal::with_quorum(tally, quorum),
                Some(quorum.to_string()),
            )
        }
    };
    let actions = row
        .targets
        .iter()
        .enumerate()
        .map(|(index, target)| ProposalAction {
            target: target.clone(),
            value: row.values.get(index).cloned().unwrap_or_default(),
            signature: row.signatures.get(index).cloned().unwrap_or_default(),
            calldata: row.calldatas.get(index).cloned().unwrap_or_default(),
        })
        .collect();
    let last_changed = [Some(row.created), row.changed, row.last_vote]
        .into_iter()
        .flatten()
        .max_by_key(|position| (position.block_number, position.log_index))
        .unwrap_or(row.created);
    let log_ref = |position: LogCursor| LogRef {
        block_number: position.block_number,
        log_index: position.log_index,
    };
    Ok(ProposalView {
        chain_id,
        proposal_id: row.proposal_id,
        proposer: row.proposer,
        actions,
        description: row.description,
        vote_start: row.vote_start,
        vote_end: row.vote_end,
        eta: if state == ProposalState::Queued {
            row.eta
        } else {
            None
        },
        state,
        votes: VoteTotals {
            for_votes: row.for_votes,
            against: row.against,
            abstain: row.abstain,
            voters: row.voters,
        },
        quorum,
        transaction_hash: row.transaction_hash,
        created: log_ref(row.created),
        last_changed: log_ref(last_changed),
    })
}
