//! [`ReputationClient`]: nexus-reputation's public endpoints (`/v1/reputation`,
//! `/v1/leaderboards`, `/v1/files/{sha256}/verdict`) in its wire types from
//! [`nexus_proto::reputation`].
//!
//! Every endpoint is a read of public chain facts (`user:read_public`): a guest may call it, an
//! API key needs that scope (403 `scope_insufficient` otherwise).

use nexus_proto::reputation::{
    FileVerdictView, HistoryPage, HistoryQuery, Leaderboard, LeaderboardQuery, ReputationView,
};
use nexus_proto::{Sha256, UserId};

use crate::client::ServiceClient;
use crate::context::CallContext;
use crate::error::ClientError;
use crate::path::query;

/// nexus-reputation's typed client: one method per endpoint. Calls are made as the account whose
/// token the [`CallContext`] carries ([`CallContext::bearer`]), or as a guest without one.
#[derive(Debug, Clone)]
pub struct ReputationClient {
    client: ServiceClient,
}

impl ServiceClient {
    /// This client (of nexus-reputation, or the gateway's `/api`) with nexus-reputation's
    /// endpoints named; clones share its connections and circuit breaker.
    pub fn reputation(&self) -> ReputationClient {
        ReputationClient::new(self.clone())
    }
}

impl ReputationClient {
    /// Names nexus-reputation's endpoints on `client` (a client of nexus-reputation).
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// The untyped client underneath, for calls the typed ones cannot make (malformed input).
    pub fn raw(&self) -> &ServiceClient {
        &self.client
    }

    /// `GET /v1/reputation/{user_id}`: the account's reputation over every wallet it linked. An
    /// account without a settled assertion is a 404 `reputation_not_found` [`ClientError::Api`].
    pub async fn get_reputation(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<ReputationView, ClientError> {
        self.client
            .get(context, &format!("/v1/reputation/{user_id}"))
            .await
    }

    /// `GET /v1/reputation/{user_id}/referrals`: the account's referral bonuses (its owner and
    /// admins only; anyone else is a 403 `forbidden`).
    pub async fn referrals(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<nexus_proto::reputation::ReferralEarnings, ClientError> {
        self.client
            .get(context, &format!("/v1/reputation/{user_id}/referrals"))
            .await
    }

    /// `GET /v1/reputation/{user_id}/history`: one page of the account's changes, newest first;
    /// pass the page's `next_cursor` as `page.cursor` for the next. A `limit` outside 1–100 is a
    /// 400 `invalid_query`, a cursor the list did not hand out a 400 `invalid_cursor`.
    pub async fn history(
        &self,
        context: &CallContext,
        user_id: UserId,
        page: &HistoryQuery,
    ) -> Result<HistoryPage, ClientError> {
        let query = query([
            ("limit", page.limit.map(|limit| limit.to_string())),
            ("cursor", page.cursor.clone()),
        ]);
        self.client
            .get(context, &format!("/v1/reputation/{user_id}/history{query}"))
            .await
    }

    /// `GET /v1/leaderboards`: the best accounts of `board.period` (`week`, `month`, `all`) and
    /// `board.kind` (`all` or a file type), and the signed-in caller's own rank. Unset fields
    /// take the service's defaults (`all`, `all`, 20 ranks).
    pub async fn leaderboard(
        &self,
        context: &CallContext,
        board: &LeaderboardQuery,
    ) -> Result<Leaderboard, ClientError> {
        let query = query([
            ("period", board.period.clone()),
            ("kind", board.kind.clone()),
            ("limit", board.limit.map(|limit| limit.to_string())),
        ]);
        self.client
            .get(context, &format!("/v1/leaderboards{query}"))
            .await
    }

    /// `GET /v1/files/{sha256}/verdict`: the analysts' weighted consensus on the file. A file no
    /// bounty ever named is a 404 `verdict_not_found` [`ClientError::Api`].
    pub async fn file_verdict(
        &self,
        context: &CallContext,
        sha256: &Sha256,
    ) -> Result<FileVerdictView, ClientError> {
        // 64 lower-case hex digits: nothing in the address needs percent-encoding.
        self.client
            .get(context, &format!("/v1/files/{sha256}/verdict"))
            .await
    }
}
