//! The chain listener's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Internal paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes::{
    get_account, get_parameters, get_proposal, get_proposal_votes, get_proposals, get_status,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-chain-listener", description = "Confirmed chain state."),
    paths(
        get_status::get_status,
        get_parameters::get_parameters,
        get_account::get_account,
        get_proposals::get_proposals,
        get_proposal::get_proposal,
        get_proposal_votes::get_proposal_votes
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
