//! [`AuthClient`]: nexus-auth's endpoints, public (`/v1/auth/*`, `/v1/api-keys`,
//! `/v1/policies`, `/v1/audit`) and internal (`/internal/v1/*`), in its wire types from
//! [`nexus_proto::auth`].
//!
//! Not here: `POST /v1/authorize`, whose question and answer are nexus-policy's `Request` and
//! `Decision` (nexus-client knows wire types only), and the well-known documents (JWKS, OpenID
//! configuration), which the runtime reads as standard JSON.

use nexus_proto::auth::{
    ActivePolicies, ApiKeyInfo, AuditPage, AuditQuery, CreateApiKeyRequest, CreatedApiKey,
    IntrospectRequest, IntrospectResponse, LoginRequest, LoginResponse, MfaLoginRequest,
    PoliciesRequest, PolicyValidation, PublishedPolicies, RecoveryCodes, RefreshRequest, TokenPair,
    TotpConfirmRequest, TotpDisableRequest, TotpEnrolment,
};
use uuid::Uuid;

use crate::client::ServiceClient;
use crate::context::CallContext;
use crate::error::ClientError;
use crate::path::query;

/// nexus-auth's typed client: one method per endpoint. Calls made as an account carry its
/// token in the [`CallContext`] ([`CallContext::bearer`]).
#[derive(Debug, Clone)]
pub struct AuthClient {
    client: ServiceClient,
}

impl ServiceClient {
    /// This client (of nexus-auth) with nexus-auth's endpoints named; clones share its connections
    /// and circuit breaker.
    pub fn auth(&self) -> AuthClient {
        AuthClient::new(self.clone())
    }
}

impl AuthClient {
    /// Names nexus-auth's endpoints on `client` (a client of nexus-auth).
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// The untyped client underneath, for calls the typed ones cannot make (malformed input).
    pub fn raw(&self) -> &ServiceClient {
        &self.client
    }

    /// `POST /v1/auth/login`: tokens, or a second-factor challenge.
    pub async fn login(
        &self,
        context: &CallContext,
        request: &LoginRequest,
    ) -> Result<LoginResponse, ClientError> {
        self.client.post(context, "/v1/auth/login", request).await
    }

    /// `POST /v1/auth/login/mfa`: completes a challenged login.
    pub async fn login_mfa(
        &self,
        context: &CallContext,
        request: &MfaLoginRequest,
    ) -> Result<TokenPair, ClientError> {
        self.client
            .post(context, "/v1/auth/login/mfa", request)
            .await
    }

    /// `POST /v1/auth/refresh`: a new pair for a refresh token (which is then spent).
    pub async fn refresh(
        &self,
        context: &CallContext,
        request: &RefreshRequest,
    ) -> Result<TokenPair, ClientError> {
        self.client.post(context, "/v1/auth/refresh", request).await
    }

    /// `POST /v1/auth/logout` (204): ends the session of a refresh token.
    pub async fn logout(
        &self,
        context: &CallContext,
        request: &RefreshRequest,
    ) -> Result<(), ClientError> {
        self.client.post(context, "/v1/auth/logout", request).await
    }

    /// `POST /v1/auth/logout-all` (204): ends every session of the caller.
    pub async fn logout_all(&self, context: &CallContext) -> Result<(), ClientError> {
        self.client
            .post(context, "/v1/auth/logout-all", &serde_json::json!({}))
            .await
    }

    /// `POST /v1/auth/mfa/totp` (201): starts enrolling an authenticator.
    pub async fn enrol_totp(&self, context: &CallContext) -> Result<TotpEnrolment, ClientError> {
        self.client
            .post(context, "/v1/auth/mfa/totp", &serde_json::json!({}))
            .await
    }

    /// `POST /v1/auth/mfa/totp/confirm`: turns TOTP on; the recovery codes are shown once.
    pub async fn confirm_totp(
        &self,
        context: &CallContext,
        request: &TotpConfirmRequest,
    ) -> Result<RecoveryCodes, ClientError> {
        self.client
            .post(context, "/v1/auth/mfa/totp/confirm", request)
            .await
    }

    /// `POST /v1/auth/mfa/totp/disable` (204).
    pub async fn disable_totp(
        &self,
        context: &CallContext,
        request: &TotpDisableRequest,
    ) -> Result<(), ClientError> {
        self.client
            .post(context, "/v1/auth/mfa/totp/disable", request)
            .await
    }

    /// `POST /v1/api-keys` (201): the only answer that shows the key.
    pub async fn create_api_key(
        &self,
        context: &CallContext,
        request: &CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, ClientError> {
        self.client.post(context, "/v1/api-keys", request).await
    }

    /// `GET /v1/api-keys`: the caller's keys.
    pub async fn list_api_keys(
        &self,
        context: &CallContext,
    ) -> Result<Vec<ApiKeyInfo>, ClientError> {
        self.client.get(context, "/v1/api-keys").await
    }

    /// `DELETE /v1/api-keys/{key_id}` (204).
    pub async fn revoke_api_key(
        &self,
        context: &CallContext,
        key_id: Uuid,
    ) -> Result<(), ClientError> {
        self.client
            .delete(context, &format!("/v1/api-keys/{key_id}"))
            .await
    }

    /// `POST /v1/policies/validate`: problems of a policy set, without publishing it.
    pub async fn validate_policies(
        &self,
        context: &CallContext,
        request: &PoliciesRequest,
    ) -> Result<PolicyValidation, ClientError> {
        self.client
            .post(context, "/v1/policies/validate", request)
            .await
    }

    /// `POST /v1/policies` (201): publishes a policy set as the next version.
    pub async fn publish_policies(
        &self,
        context: &CallContext,
        request: &PoliciesRequest,
    ) -> Result<PublishedPolicies, ClientError> {
        self.client.post(context, "/v1/policies", request).await
    }

    /// `GET /v1/audit`: audit rows, newest first (administrators).
    pub async fn list_audit(
        &self,
        context: &CallContext,
        filter: &AuditQuery,
    ) -> Result<AuditPage, ClientError> {
        let query = query([
            ("kind", filter.kind.clone()),
            ("subject", filter.subject.clone()),
            ("before", filter.before.map(|id| id.to_string())),
            ("limit", filter.limit.map(|limit| limit.to_string())),
        ]);
        self.client.get(context, &format!("/v1/audit{query}")).await
    }

    /// `POST /internal/v1/api-keys/introspect`: whether a presented key is valid, and a
    /// short-lived token for its principal when it is.
    pub async fn introspect_api_key(
        &self,
        context: &CallContext,
        request: &IntrospectRequest,
    ) -> Result<IntrospectResponse, ClientError> {
        self.client
            .post(context, "/internal/v1/api-keys/introspect", request)
            .await
    }

    /// `GET /internal/v1/policies/active`: the published policy set every process decides with.
    pub async fn active_policies(
        &self,
        context: &CallContext,
    ) -> Result<ActivePolicies, ClientError> {
        self.client
            .get(context, "/internal/v1/policies/active")
            .await
    }
}
