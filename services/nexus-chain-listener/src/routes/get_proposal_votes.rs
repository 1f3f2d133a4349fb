//! `GET /v1/chain/proposals/{id}/votes`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain_proposals::{
    LogRef, ProposalVotePage, ProposalVoteView, ProposalVotesQuery, VoteSupport,
};
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::domain::proposal;
use crate::error::ChainListenerError;
use crate::routes::get_proposal::{clock, stored_proposal};
use crate::routes::{authorize_read, chain_id, page_limit};

/// The votes on one proposal, in chain order, one page at a time: each voter's support, weight,
/// reason (and params of `castVoteWithParams`). Anyone may read them, guests included
/// (`chain:read`).
#[utoipa::path(
    get,
    path = "/v1/chain/proposals/{id}/votes",
    params(
        ("id" = String, Path, description = "The Governor's proposal id, in decimal", pattern = "^[0-9]{1,78}$"),
        ProposalVotesQuery
    ),
    tag = "chain",
    responses(
        (status = 200, description = "One page of votes", body = ProposalVotePage),
        (status = 400, description = "Not a proposal id (`invalid_proposal_id`), a page size outside 1–100 (`invalid_filter`), or a cursor this list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 404, description = "No such proposal in the confirmed logs (`proposal_not_found`)", body = ErrorBody),
        (status = 503, description = "The chain was never reached (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_proposal_votes(
    service: web::Data<ChainListenerService>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<ProposalVotesQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let proposal_id =
        proposal::parse_proposal_id(&path).map_err(ChainListenerError::InvalidProposalId)?;
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|text| proposal::decode_cursor(text).ok_or(ChainListenerError::InvalidCursor))
        .transpose()?;
    let chain_id = chain_id(&service)?;
    let now = clock(&service, chain_id).await?;
    stored_proposal(&service, chain_id, &proposal_id, now).await?;
    let rows = service
        .store
        .proposal_votes(
            chain_id,
            &proposal_id,
            after,
            i64::try_from(limit).unwrap_or(i64::MAX),
        )
        .await
        .map_err(ChainListenerError::from)?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit => Some(proposal::encode_cursor(last.log)),
        _ => None,
    };
    let mut votes = Vec::with_capacity(rows.len());
    for row in rows {
        let support = match row.support {
            0 => VoteSupport::Against,
            1 => VoteSupport::For,
            2 => VoteSupport::Abstain,
            other => {
                return Err(ChainListenerError::Internal(format!(
                    "a stored vote on {proposal_id} has support {other}"
                ))
                .into());
            }
        };
        votes.push(ProposalVoteView {
            voter: row.voter,
            support,
            weight: row.weight,
            reason: row.reason,
            params: row.params,
            log: LogRef {
                block_number: row.log.block_number,
                log_index: row.log.log_index,
            },
        });
    }
    Ok(HttpResponse::Ok().json(ProposalVotePage {
        proposal_id,
        votes,
        next_cursor,
    }))
}
