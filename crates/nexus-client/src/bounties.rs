//! [`BountyClient`]: nexus-bounty's public endpoints (`/v1/bounties`) in its wire types from
//! [`nexus_proto::bounty`].

use nexus_proto::bounty::{BountyPage, BountyQuery, BountySort, BountyView};
use uuid::Uuid;

use crate::client::ServiceClient;
use crate::context::CallContext;
use crate::error::ClientError;
use crate::path::query;

/// nexus-bounty's typed client: one method per endpoint. Calls are made as the account whose
/// token the [`CallContext`] carries ([`CallContext::bearer`]), or as a guest without one.
#[derive(Debug, Clone)]
pub struct BountyClient {
    client: ServiceClient,
}

impl ServiceClient {
    /// This client (of nexus-bounty) with nexus-bounty's endpoints named; clones share its
    /// connections and circuit breaker.
    pub fn bounties(&self) -> BountyClient {
        BountyClient::new(self.clone())
    }
}

/// The snake_case wire name of a serde enum value (the query string spells them so).
fn wire_name(value: &impl serde::Serialize) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

impl BountyClient {
    /// Names nexus-bounty's endpoints on `client` (a client of nexus-bounty).
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// The untyped client underneath, for calls the typed ones cannot make (malformed input).
    pub fn raw(&self) -> &ServiceClient {
        &self.client
    }

    /// `GET /v1/bounties`: one page of the bounties the caller may read.
    pub async fn list(
        &self,
        context: &CallContext,
        filter: &BountyQuery,
    ) -> Result<BountyPage, ClientError> {
        let query = query([
            ("status", filter.status.as_ref().and_then(wire_name)),
            (
                "artifact_kind",
                filter.artifact_kind.as_ref().and_then(wire_name),
            ),
            ("creator", filter.creator.clone()),
            ("artifact_hash", filter.artifact_hash.clone()),
            (
                "sort",
                filter
                    .sort
                    .filter(|sort| *sort != BountySort::Newest)
                    .as_ref()
                    .and_then(wire_name),
            ),
            ("limit", filter.limit.map(|limit| limit.to_string())),
            ("cursor", filter.cursor.clone()),
        ]);
        self.client
            .get(context, &format!("/v1/bounties{query}"))
            .await
    }

    /// `GET /v1/me/bounties`: one page of the caller's own bounties (`filter.creator` is
    /// ignored: the service fixes it to the caller).
    pub async fn list_mine(
        &self,
        context: &CallContext,
        filter: &BountyQuery,
    ) -> Result<BountyPage, ClientError> {
        let query = query([
            ("status", filter.status.as_ref().and_then(wire_name)),
            (
                "artifact_kind",
                filter.artifact_kind.as_ref().and_then(wire_name),
            ),
            ("artifact_hash", filter.artifact_hash.clone()),
            ("sort", filter.sort.as_ref().and_then(wire_name)),
            ("limit", filter.limit.map(|limit| limit.to_string())),
            ("cursor", filter.cursor.clone()),
        ]);
        self.client
            .get(context, &format!("/v1/me/bounties{query}"))
            .await
    }

    /// `GET /v1/bounties/{id}`.
    pub async fn get(&self, context: &CallContext, id: Uuid) -> Result<BountyView, ClientError> {
        self.client
            .get(context, &format!("/v1/bounties/{id}"))
            .await
    }
}
