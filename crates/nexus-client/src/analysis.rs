//! [`AnalysisClient`]: nexus-analysis's public endpoints (`/v1/files`, `/v1/analyses`,
//! `/v1/rulesets`, `/v1/retrohunts`) in its wire types from [`nexus_proto::analysis`].

use nexus_proto::analysis::{
    AnalysisListQuery, AnalysisPage, AnalysisView, CreateRetrohunt, CreateRuleset, FileSummary,
    FileView, ReanalysisAccepted, RetrohuntView, RulesetView, SampleVisibility, SimilarFiles,
    UploadAccepted,
};
use nexus_proto::bounty_intents::{BountyArtifact, MarkBountyArtifact};
use nexus_proto::{Sha256, UserId};
use uuid::Uuid;

use crate::client::ServiceClient;
use crate::context::CallContext;
use crate::error::ClientError;
use crate::path::query;

/// nexus-analysis's typed client: one method per endpoint. Calls are made as the account whose
/// token the [`CallContext`] carries ([`CallContext::bearer`]), or as a guest without one.
#[derive(Debug, Clone)]
pub struct AnalysisClient {
    client: ServiceClient,
}

impl ServiceClient {
    /// This client (of nexus-analysis) with nexus-analysis's endpoints named; clones share its connections
    /// and circuit breaker.
    pub fn analysis(&self) -> AnalysisClient {
        AnalysisClient::new(self.clone())
    }
}

impl AnalysisClient {
    /// Names nexus-analysis's endpoints on `client` (a client of nexus-analysis).
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// The untyped client underneath, for calls the typed ones cannot make (malformed input).
    pub fn raw(&self) -> &ServiceClient {
        &self.client
    }

    /// `POST /v1/files` (202): uploads a sample and queues its analysis (or answers the one
    /// that already covers these bytes). `None` leaves the visibility to the service (private).
    pub async fn upload(
        &self,
        context: &CallContext,
        bytes: Vec<u8>,
        visibility: Option<SampleVisibility>,
    ) -> Result<UploadAccepted, ClientError> {
        let query = query([(
            "visibility",
            visibility.map(|visibility| visibility.as_str().to_owned()),
        )]);
        self.client
            .post_bytes(context, &format!("/v1/files{query}"), bytes)
            .await
    }

    /// `GET /v1/files/{sha256}`: the sample's metadata and latest analysis.
    pub async fn get_file(
        &self,
        context: &CallContext,
        sha256: &Sha256,
    ) -> Result<FileView, ClientError> {
        // 64 hex digits: nothing in the address needs percent-encoding.
        self.client
            .get(context, &format!("/v1/files/{sha256}"))
            .await
    }

    /// `GET /v1/files/{sha256}/similar`: samples that look alike, best first.
    pub async fn get_similar(
        &self,
        context: &CallContext,
        sha256: &Sha256,
    ) -> Result<SimilarFiles, ClientError> {
        self.client
            .get(context, &format!("/v1/files/{sha256}/similar"))
            .await
    }

    /// `GET /v1/files/{sha256}/download`: the sample's bytes.
    pub async fn download(
        &self,
        context: &CallContext,
        sha256: &Sha256,
    ) -> Result<Vec<u8>, ClientError> {
        self.client
            .get_bytes(context, &format!("/v1/files/{sha256}/download"))
            .await
    }

    /// `POST /internal/v1/files/{sha256}/bounty-artifact` (service token): marks the file a
    /// bounty of `user_id` is posted on, so analysts may read it. A file that is not stored, or
    /// that `user_id` neither uploaded nor may read as public, is a 404 `file_not_found`
    /// [`ClientError::Api`].
    pub async fn mark_bounty_artifact(
        &self,
        context: &CallContext,
        sha256: &Sha256,
        user_id: UserId,
    ) -> Result<BountyArtifact, ClientError> {
        self.client
            .post(
                context,
                &format!("/internal/v1/files/{sha256}/bounty-artifact"),
                &MarkBountyArtifact { user_id },
            )
            .await
    }

    /// `GET /internal/v1/files/{sha256}/summary` (service token): the sample's detected type and
    /// its latest analysis' verdict hint and score. A file the store does not hold is a 404
    /// `file_not_found` [`ClientError::Api`].
    pub async fn file_summary(
        &self,
        context: &CallContext,
        sha256: &Sha256,
    ) -> Result<FileSummary, ClientError> {
        self.client
            .get(context, &format!("/internal/v1/files/{sha256}/summary"))
            .await
    }

    /// `GET /v1/analyses`: one page of the analyses of the caller's uploads, newest first.
    pub async fn list_analyses(
        &self,
        context: &CallContext,
        page: &AnalysisListQuery,
    ) -> Result<AnalysisPage, ClientError> {
        let query = query([
            ("limit", page.limit.map(|limit| limit.to_string())),
            ("cursor", page.cursor.clone()),
        ]);
        self.client
            .get(context, &format!("/v1/analyses{query}"))
            .await
    }

    /// `GET /v1/analyses/{id}`: status and, once finished, the report.
    pub async fn get_analysis(
        &self,
        context: &CallContext,
        analysis_id: Uuid,
    ) -> Result<AnalysisView, ClientError> {
        self.client
            .get(context, &format!("/v1/analyses/{analysis_id}"))
            .await
    }

    /// `POST /v1/analyses/{id}/reanalyse` (202): analyses the sample again with the current rules.
    pub async fn reanalyse(
        &self,
        context: &CallContext,
        analysis_id: Uuid,
    ) -> Result<ReanalysisAccepted, ClientError> {
        self.client
            .post(
                context,
                &format!("/v1/analyses/{analysis_id}/reanalyse"),
                &serde_json::json!({}),
            )
            .await
    }

    /// `POST /v1/rulesets` (201): publishes a YARA ruleset. A source that does not compile is a
    /// 400 [`ClientError::Api`] with the compiler's message (the line and column the answer
    /// also carries, [`nexus_proto::analysis::RuleCompileErrorBody`], need the raw client).
    pub async fn create_ruleset(
        &self,
        context: &CallContext,
        request: &CreateRuleset,
    ) -> Result<RulesetView, ClientError> {
        self.client.post(context, "/v1/rulesets", request).await
    }

    /// `GET /v1/rulesets/{id}`.
    pub async fn get_ruleset(
        &self,
        context: &CallContext,
        ruleset_id: i64,
    ) -> Result<RulesetView, ClientError> {
        self.client
            .get(context, &format!("/v1/rulesets/{ruleset_id}"))
            .await
    }

    /// `POST /v1/retrohunts` (202): scans the caller's readable samples with a rule.
    pub async fn create_retrohunt(
        &self,
        context: &CallContext,
        request: &CreateRetrohunt,
    ) -> Result<RetrohuntView, ClientError> {
        self.client.post(context, "/v1/retrohunts", request).await
    }

    /// `GET /v1/retrohunts/{id}`: progress and matches.
    pub async fn get_retrohunt(
        &self,
        context: &CallContext,
        retrohunt_id: Uuid,
    ) -> Result<RetrohuntView, ClientError> {
        self.client
            .get(context, &format!("/v1/retrohunts/{retrohunt_id}"))
            .await
    }
}
