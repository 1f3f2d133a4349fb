//! The bounty service's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Each handler's `#[utoipa::path]` is listed in `paths(...)`; internal
//! paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes::{get_bounty, list_bounties, list_my_bounties};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-bounty", description = "Bounties on files, URLs and contracts."),
    paths(
        list_bounties::list_bounties,
        get_bounty::get_bounty,
        list_my_bounties::list_my_bounties
    ),
    components(schemas(
        nexus_proto::bounty::BountyView,
        nexus_proto::bounty::BountyTransaction,
        nexus_proto::bounty::BountyAssertion,
        nexus_proto::bounty::BountyPage,
        nexus_proto::bounty::ArtifactView,
        nexus_proto::bounty::ArtifactKind,
        nexus_proto::bounty::BountyStatus,
        nexus_proto::bounty::BountySort,
        nexus_proto::ErrorBody
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
