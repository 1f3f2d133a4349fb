//! `GET /v1/chain/proposals`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain_proposals::{ProposalListQuery, ProposalPage, ProposalState};
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::domain::proposal;
use crate::error::ChainListenerError;
use crate::routes::get_proposal::{clock, view};
use crate::routes::{authorize_read, chain_id, page_limit};
use crate::store::proposals_read::ProposalQuery;

/// The Governor's proposals, newest first, one page at a time (keyset cursor on the creating
/// log), optionally only those in one `state`; each as `GET /v1/chain/proposals/{id}` shows
/// it. Anyone may read them, guests included (`chain:read`).
#[utoipa::path(
    get,
    path = "/v1/chain/proposals",
    params(ProposalListQuery),
    tag = "chain",
    responses(
        (status = 200, description = "One page of proposals", body = ProposalPage),
        (status = 400, description = "An unknown state or a page size outside 1–100 (`invalid_filter`), or a cursor this list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 503, description = "The chain was never reached, or a quorum could not be read when a state needs it (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_proposals(
    service: web::Data<ChainListenerService>,
    caller: Caller,
    query: web::Query<ProposalListQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let state = query
        .state
        .as_deref()
        .map(|text| {
            ProposalState::parse(text).ok_or_else(|| {
                ChainListenerError::InvalidFilter(format!(
                    "state {text:?} is unknown: use pending, active, canceled, defeated, \
                     succeeded, queued, expired or executed"
                ))
            })
        })
        .transpose()?;
    let mut after = query
        .cursor
        .as_deref()
        .map(|text| proposal::decode_cursor(text).ok_or(ChainListenerError::InvalidCursor))
        .transpose()?;
    let chain_id = chain_id(&service)?;
    let now = clock(&service, chain_id).await?;
    // Succeeded and defeated share the store's "ended" phase (the quorum decides between them),
    // so a page is filled from as many store pages as it takes.
    let mut proposals = Vec::with_capacity(limit);
    loop {
        let rows = service
            .store
            .proposals(
                chain_id,
                ProposalQuery {
                    proposal_id: None,
                    phase: state.map(proposal::filter),
                    now,
                    after,
                    limit: i64::try_from(limit).unwrap_or(i64::MAX),
                },
            )
            .await
            .map_err(ChainListenerError::from)?;
        let exhausted = rows.len() < limit;
        for row in rows {
            after = Some(row.created);
            let view = view(&service, chain_id, now, row).await?;
            if state.is_none_or(|state| state == view.state) {
                proposals.push(view);
                if proposals.len() == limit {
                    break;
                }
            }
        }
        if exhausted || proposals.len() == limit {
            break;
        }
    }
    let next_cursor = (proposals.len() == limit)
        .then_some(after)
        .flatten()
        .map(proposal::encode_cursor);
    Ok(HttpResponse::Ok().json(ProposalPage {
        chain_id,
        proposals,
        next_cursor,
    }))
}
