//! [`UserClient`]: nexus-user's endpoints, public (`/v1/users/*`) and internal
//! (`/internal/v1/*`, docs/INTERNAL_API.md), in its wire types from [`nexus_proto::user`].

use nexus_proto::bounty_me::WalletOwner;
use nexus_proto::user::{
    AccountSummary, ChangePasswordRequest, ChangeRoleRequest, ChangeStatusRequest,
    LinkWalletRequest, PasswordResetConfirmRequest, PasswordResetRequest, PasswordResetToken,
    PrivateProfile, PublicProfile, ReferralCompletion, ReferralList, RegisterRequest,
    RegisterWsKeyRequest, ResolveLoginRequest, ResolvedLogin, TokensRevokedResponse,
    UpdateProfileRequest, VerifyCredentialsRequest, Wallet, WalletChallenge,
    WalletChallengeRequest, WalletList, WsKey, WsKeyChallenge, WsKeyList, WsKeyOwner,
};
use nexus_proto::{ChainAddress, UserId};
use uuid::Uuid;

use crate::client::ServiceClient;
use crate::context::CallContext;
use crate::error::ClientError;
use crate::path::segment;

/// An administrator's shortcut for an account's status (`POST /v1/users/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// To `disabled`.
    Disable,
    /// To `active`.
    Enable,
    /// To `banned`.
    Ban,
    /// To `active`.
    Unban,
}

impl StatusAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Enable => "enable",
            Self::Ban => "ban",
            Self::Unban => "unban",
        }
    }
}

/// nexus-user's typed client: one method per endpoint. Public endpoints act as the account
/// whose token the [`CallContext`] carries ([`CallContext::bearer`]); internal ones need the
/// service token the underlying [`ServiceClient`] was configured with.
#[derive(Debug, Clone)]
pub struct UserClient {
    client: ServiceClient,
}

impl ServiceClient {
    /// This client (of nexus-user) with nexus-user's endpoints named; clones share its connections
    /// and circuit breaker.
    pub fn users(&self) -> UserClient {
        UserClient::new(self.clone())
    }
}

impl UserClient {
    /// Names nexus-user's endpoints on `client` (a client of nexus-user).
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// The untyped client underneath, for calls the typed ones cannot make (malformed input).
    pub fn raw(&self) -> &ServiceClient {
        &self.client
    }

    /// `POST /v1/users`: creates an account (201).
    pub async fn register(
        &self,
        context: &CallContext,
        request: &RegisterRequest,
    ) -> Result<PrivateProfile, ClientError> {
        self.client.post(context, "/v1/users", request).await
    }

    /// `GET /v1/users/me`.
    pub async fn get_me(&self, context: &CallContext) -> Result<PrivateProfile, ClientError> {
        self.client.get(context, "/v1/users/me").await
    }

    /// `PATCH /v1/users/me`.
    pub async fn update_me(
        &self,
        context: &CallContext,
        request: &UpdateProfileRequest,
    ) -> Result<PrivateProfile, ClientError> {
        self.client.patch(context, "/v1/users/me", request).await
    }

    /// `GET /v1/users/{id}`: the public profile.
    pub async fn get_user(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<PublicProfile, ClientError> {
        self.client
            .get(context, &format!("/v1/users/{user_id}"))
            .await
    }

    /// `POST /v1/users/me/password` (204).
    pub async fn change_password(
        &self,
        context: &CallContext,
        request: &ChangePasswordRequest,
    ) -> Result<(), ClientError> {
        self.client
            .post(context, "/v1/users/me/password", request)
            .await
    }

    /// `POST /v1/users/password-reset` (202, whether or not the account exists).
    pub async fn request_password_reset(
        &self,
        context: &CallContext,
        request: &PasswordResetRequest,
    ) -> Result<(), ClientError> {
        self.client
            .post(context, "/v1/users/password-reset", request)
            .await
    }

    /// `POST /v1/users/password-reset/confirm` (204).
    pub async fn confirm_password_reset(
        &self,
        context: &CallContext,
        request: &PasswordResetConfirmRequest,
    ) -> Result<(), ClientError> {
        self.client
            .post(context, "/v1/users/password-reset/confirm", request)
            .await
    }

    /// `GET /v1/users/me/referrals`.
    pub async fn list_referrals(&self, context: &CallContext) -> Result<ReferralList, ClientError> {
        self.client.get(context, "/v1/users/me/referrals").await
    }

    /// `POST /v1/users/me/wallets/challenge` (201): the message to sign.
    pub async fn create_wallet_challenge(
        &self,
        context: &CallContext,
        request: &WalletChallengeRequest,
    ) -> Result<WalletChallenge, ClientError> {
        self.client
            .post(context, "/v1/users/me/wallets/challenge", request)
            .await
    }

    /// `GET /v1/users/me/wallets`.
    pub async fn list_wallets(&self, context: &CallContext) -> Result<WalletList, ClientError> {
        self.client.get(context, "/v1/users/me/wallets").await
    }

    /// `POST /v1/users/me/wallets` (201): links the wallet that signed the challenge.
    pub async fn link_wallet(
        &self,
        context: &CallContext,
        request: &LinkWalletRequest,
    ) -> Result<Wallet, ClientError> {
        self.client
            .post(context, "/v1/users/me/wallets", request)
            .await
    }

    /// `DELETE /v1/users/me/wallets/{address}` (204).
    pub async fn unlink_wallet(
        &self,
        context: &CallContext,
        address: &str,
    ) -> Result<(), ClientError> {
        self.client
            .delete(
                context,
                &format!("/v1/users/me/wallets/{}", segment(address)),
            )
            .await
    }

    /// `POST /v1/users/me/ws-keys/challenge` (201).
    pub async fn create_ws_key_challenge(
        &self,
        context: &CallContext,
    ) -> Result<WsKeyChallenge, ClientError> {
        self.client
            .post(
                context,
                "/v1/users/me/ws-keys/challenge",
                &serde_json::json!({}),
            )
            .await
    }

    /// `GET /v1/users/me/ws-keys`.
    pub async fn list_ws_keys(&self, context: &CallContext) -> Result<WsKeyList, ClientError> {
        self.client.get(context, "/v1/users/me/ws-keys").await
    }

    /// `POST /v1/users/me/ws-keys` (201).
    pub async fn register_ws_key(
        &self,
        context: &CallContext,
        request: &RegisterWsKeyRequest,
    ) -> Result<WsKey, ClientError> {
        self.client
            .post(context, "/v1/users/me/ws-keys", request)
            .await
    }

    /// `DELETE /v1/users/me/ws-keys/{key_id}` (204).
    pub async fn revoke_ws_key(
        &self,
        context: &CallContext,
        key_id: Uuid,
    ) -> Result<(), ClientError> {
        self.client
            .delete(context, &format!("/v1/users/me/ws-keys/{key_id}"))
            .await
    }

    /// `PUT /v1/users/{id}/role` (administrators).
    pub async fn change_role(
        &self,
        context: &CallContext,
        user_id: UserId,
        request: &ChangeRoleRequest,
    ) -> Result<AccountSummary, ClientError> {
        self.client
            .put(context, &format!("/v1/users/{user_id}/role"), request)
            .await
    }

    /// `PUT /v1/users/{id}/status` (administrators).
    pub async fn change_status(
        &self,
        context: &CallContext,
        user_id: UserId,
        request: &ChangeStatusRequest,
    ) -> Result<AccountSummary, ClientError> {
        self.client
            .put(context, &format!("/v1/users/{user_id}/status"), request)
            .await
    }

    /// `POST /v1/users/{id}/{disable|enable|ban|unban}` (administrators).
    pub async fn status_action(
        &self,
        context: &CallContext,
        user_id: UserId,
        action: StatusAction,
    ) -> Result<AccountSummary, ClientError> {
        self.client
            .post(
                context,
                &format!("/v1/users/{user_id}/{}", action.as_str()),
                &serde_json::json!({}),
            )
            .await
    }

    /// `GET /internal/v1/users/{id}`: the account summary other services decide from.
    pub async fn get_account(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<AccountSummary, ClientError> {
        self.client
            .get(context, &format!("/internal/v1/users/{user_id}"))
            .await
    }

    /// `GET /internal/v1/users/{id}/wallets`: the wallets the account has linked (404 for an
    /// unknown account).
    pub async fn wallets_of(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<WalletList, ClientError> {
        self.client
            .get(context, &format!("/internal/v1/users/{user_id}/wallets"))
            .await
    }

    /// `GET /internal/v1/wallets/{address}`: the account `address` is linked to (404
    /// `wallet_not_found` when none links it).
    pub async fn wallet_owner(
        &self,
        context: &CallContext,
        address: ChainAddress,
    ) -> Result<WalletOwner, ClientError> {
        self.client
            .get(
                context,
                &format!("/internal/v1/wallets/{}", address.to_lower_hex()),
            )
            .await
    }

    /// `POST /internal/v1/credentials/verify`: the account a login and password belong to.
    pub async fn verify_credentials(
        &self,
        context: &CallContext,
        request: &VerifyCredentialsRequest,
    ) -> Result<AccountSummary, ClientError> {
        self.client
            .post(context, "/internal/v1/credentials/verify", request)
            .await
    }

    /// `POST /internal/v1/users/resolve`: the account a login name belongs to (404 if none).
    pub async fn resolve_login(
        &self,
        context: &CallContext,
        request: &ResolveLoginRequest,
    ) -> Result<ResolvedLogin, ClientError> {
        self.client
            .post(context, "/internal/v1/users/resolve", request)
            .await
    }

    /// `POST /internal/v1/users/{id}/revoke-tokens`: voids every token issued before now.
    pub async fn revoke_tokens(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<TokensRevokedResponse, ClientError> {
        self.client
            .post(
                context,
                &format!("/internal/v1/users/{user_id}/revoke-tokens"),
                &serde_json::json!({}),
            )
            .await
    }

    /// `POST /internal/v1/referrals/{user_id}/complete`: completes the account's pending referral
    /// (nexus-user records `ReferralCompleted`); `completed: false` when none was pending.
    pub async fn complete_referral(
        &self,
        context: &CallContext,
        user_id: UserId,
    ) -> Result<ReferralCompletion, ClientError> {
        self.client
            .post(
                context,
                &format!("/internal/v1/referrals/{user_id}/complete"),
                &serde_json::json!({}),
            )
            .await
    }

    /// `POST /internal/v1/password-resets/{reset_id}/token`: the reset's single-use token,
    /// issued once (a second call, or one for a used or expired reset, is 404
    /// `password_reset_not_found`). The notification service mails it; never log it.
    pub async fn issue_password_reset_token(
        &self,
        context: &CallContext,
        reset_id: &str,
    ) -> Result<PasswordResetToken, ClientError> {
        self.client
            .post(
                context,
                &format!("/internal/v1/password-resets/{}/token", segment(reset_id)),
                &serde_json::json!({}),
            )
            .await
    }

    /// `GET /internal/v1/ws-keys/{public_key_hex}`: whose WebSocket key this is.
    pub async fn lookup_ws_key(
        &self,
        context: &CallContext,
        public_key_hex: &str,
    ) -> Result<WsKeyOwner, ClientError> {
        self.client
            .get(
                context,
                &format!("/internal/v1/ws-keys/{}", segment(public_key_hex)),
            )
            .await
    }
}
