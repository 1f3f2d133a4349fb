//! Issuing access tokens and token pairs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nexus_core::Role;
use nexus_http::token::{AccessClaims, Audience};
use nexus_proto::UserId;
use nexus_proto::auth::TokenPair;
use uuid::Uuid;

use crate::AuthService;
use crate::error::AuthError;

/// Authentication methods (RFC 8176) of a password sign-in.
pub const AMR_PASSWORD: &[&str] = &["pwd"];
/// … of a password plus TOTP (or recovery code) sign-in.
pub const AMR_PASSWORD_OTP: &[&str] = &["pwd", "otp", "mfa"];
/// … of an API-key token.
pub const AMR_API_KEY: &[&str] = &["api_key"];

/// What goes into an access token besides the standard claims.
#[derive(Debug, Clone)]
pub struct Principal<'a> {
    /// `sub`.
    pub user_id: UserId,
    /// `roles`.
    pub roles: &'a [Role],
    /// `amr`.
    pub amr: &'a [String],
    /// `scope` (API keys).
    pub scope: Option<String>,
    /// `status`: `banned`, or none for active accounts.
    pub status: Option<String>,
    /// `api_key_id` (API keys).
    pub api_key_id: Option<String>,
}

/// The account a session is for, as it stands when the tokens are issued.
#[derive(Debug, Clone)]
pub struct SessionAccount<'a> {
    /// `sub`.
    pub user_id: UserId,
    /// `roles`.
    pub roles: &'a [Role],
    /// `status` (`banned`, or none).
    pub status: Option<String>,
}

/// `&["pwd"]` as owned strings.
pub fn methods(amr: &[&str]) -> Vec<String> {
    amr.iter().map(|method| (*method).to_owned()).collect()
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl AuthService {
    /// Signs an access token for `principal` living `ttl`.
    pub fn access_token(
        &self,
        principal: &Principal<'_>,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let now = now_seconds();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: principal.user_id.to_string(),
            aud: Audience::One(self.audience.clone()),
            exp: now + ttl.as_secs(),
            nbf: now,
            iat: now,
            jti: Uuid::now_v7().to_string(),
            // The token keeps role names (its format is nexus-http's `AccessClaims`).
            roles: principal.roles.iter().map(Role::to_string).collect(),
            amr: principal.amr.to_vec(),
            scope: principal.scope.clone(),
            status: principal.status.clone(),
            api_key_id: principal.api_key_id.clone(),
        };
        self.signer.sign(&claims).map_err(|error| {
            AuthError::Internal(format!("signing an access token failed: {error}"))
        })
    }

    /// An access token plus the first refresh token of a new family.
    pub async fn new_session(
        &self,
        account: &SessionAccount<'_>,
        amr: &[String],
    ) -> Result<TokenPair, AuthError> {
        let refresh_token = self.refresh.issue(account.user_id, amr).await?;
        self.pair(account, amr, refresh_token)
    }

    /// An access token with an existing refresh token.
    pub fn pair(
        &self,
        account: &SessionAccount<'_>,
        amr: &[String],
        refresh_token: String,
    ) -> Result<TokenPair, AuthError> {
        let ttl = self.settings.access_token_ttl;
        let access_token = self.access_token(
            &Principal {
                user_id: account.user_id,
                roles: account.roles,
                amr,
                scope: None,
                status: account.status.clone(),
                api_key_id: None,
            },
            ttl,
        )?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ttl.as_secs(),
            refresh_token,
            refresh_expires_in: self.refresh.ttl().as_secs(),
        })
    }
}
