//! The auth service's wire types: login, tokens, MFA, API keys, policies, authorization
//! decisions, audit (REST bodies, internal introspection) and the events it publishes.
//!
//! Streams:
//! - [`PoliciesPublished`] on `nexus:auth:policies:v1`: written through the auth outbox when a
//!   new policy version is published; every process embedding `nexus-policy` reloads from
//!   `GET /internal/v1/policies/active` (live over pub/sub, durable on the stream).
//! - [`AuthorizationDenied`] on `nexus:auth:denials:v1`: produced by the gateway and services
//!   when a request is refused; nexus-auth writes each one to its audit log.
//! - [`AccountSecurityEvent`] on `nexus:auth:events:v1`: written through the auth outbox with
//!   the change (API key created/revoked, TOTP enrolled/disabled, lockout, sign-in from a new
//!   address); nexus-notification tells the account owner.

use chrono::{DateTime, Utc};
use nexus_core::ApiKeyTier;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Event;

/// The API-key tiers nexus-auth issues (`CreateApiKeyRequest::tier`), least to most generous.
/// The gateway keeps one rate-limit quota per tier (`gateway.rate_limit.per_api_key_tier`), so
/// both read this one list.
pub const API_KEY_TIERS: [&str; 3] = ApiKeyTier::NAMES;

/// `POST /v1/auth/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// E-mail address or user name.
    #[schema(
        min_length = 1,
        max_length = 254,
        pattern = "^[^\\x00]*[^\\x00\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\x00]*$"
    )]
    pub login: String,
    /// The password.
    #[schema(
        min_length = 1,
        max_length = 1024,
        pattern = "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub password: String,
}

/// A fresh token pair (answer of login, MFA login and refresh).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// The access token (a JWT, `typ: at+jwt`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The opaque refresh token; single use, rotated on every refresh.
    pub refresh_token: String,
    /// Seconds until the refresh token expires if unused.
    pub refresh_expires_in: u64,
}

/// Answer of `POST /v1/auth/login` for an account with a second factor: finish with
/// `POST /v1/auth/login/mfa`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MfaChallenge {
    /// Always true.
    pub mfa_required: bool,
    /// Single-use token naming this half-finished login.
    pub mfa_token: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u64,
}

/// Answer of `POST /v1/auth/login`: tokens, or an MFA challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    /// A second factor is needed first.
    MfaRequired(MfaChallenge),
    /// Signed in.
    Tokens(TokenPair),
}

/// `POST /v1/auth/login/mfa`: exactly one of `code` and `recovery_code`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MfaLoginRequest {
    /// The `mfa_token` of the challenge.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub mfa_token: String,
    /// A 6-digit TOTP code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// One of the recovery codes shown at enrolment (each works once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// The refresh token.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub refresh_token: String,
}

/// Answer of `POST /v1/auth/mfa/totp` (enrolment started; confirm with a code).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The shared secret, base32 (RFC 4648, no padding), for manual entry.
    pub secret: String,
    /// `otpauth://totp/...` URI for authenticator apps.
    pub otpauth_uri: String,
    /// The URI as a QR code (SVG document).
    pub qr_svg: String,
}

/// `POST /v1/auth/mfa/totp/confirm`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpConfirmRequest {
    /// A current code from the authenticator.
    #[schema(
        min_length = 1,
        max_length = 16,
        pattern = "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub code: String,
}

/// Answer of `POST /v1/auth/mfa/totp/confirm`: shown once, stored hashed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Single-use recovery codes.
    pub recovery_codes: Vec<String>,
}

/// `POST /v1/auth/mfa/totp/disable`: re-authentication with the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TotpDisableRequest {
    /// The account's password.
    #[schema(
        min_length = 1,
        max_length = 1024,
        pattern = "[^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub password: String,
}

/// `POST /v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateApiKeyRequest {
    /// A label for people (1–100 characters).
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*([^\\x00\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]|[^\\x00\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\x00]{0,98}[^\\x00\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000])[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub name: String,
    /// Action names the key may be used for (e.g. `analysis:submit`).
    #[schema(min_items = 1, max_items = 32)]
    pub scopes: Vec<String>,
    /// Rate-limit tier; only admins may choose another than `standard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Days until the key expires; none means it does not expire.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole_number::optional"
    )]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKeyInfo {
    /// The key's id, what `DELETE /v1/api-keys/{key_id}` takes (the key itself is never
    /// listed).
    pub key_id: Uuid,
    /// The label its owner gave it.
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// Action names it may be used for.
    pub scopes: Vec<String>,
    /// Rate-limit tier.
    #[schema(value_type = String)]
    pub tier: ApiKeyTier,
    /// When `POST /v1/api-keys` made it.
    pub created_at: DateTime<Utc>,
    /// When the gateway last presented it for introspection (recorded at most once a
    /// minute); absent for a key never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; absent for a key without an expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// When its owner revoked it; absent while it works.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Answer of `POST /v1/api-keys`: the only time the key is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    /// The key (`nxs_...`); store it now, it cannot be shown again.
    pub key: String,
    /// Its description.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

/// `POST /internal/v1/api-keys/introspect`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectRequest {
    /// The presented key.
    pub key: String,
}

/// Answer of `POST /internal/v1/api-keys/introspect` (RFC 7662 style): `{"active": false}` for
/// an unknown, revoked or expired key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectResponse {
    /// The key is valid.
    pub active: bool,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<Uuid>,
    /// The key holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    /// The holder's roles when the key was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Action names the key may be used for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Rate-limit tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<ApiKeyTier>,
    /// A short-lived access token for the key's principal (`amr: ["api_key"]`, `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Seconds until `access_token` expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

/// One named Cedar policy text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicySourceBody {
    /// File-like name, e.g. `bounty.cedar`.
    pub name: String,
    /// Cedar text.
    pub text: String,
}

/// `POST /v1/policies/validate` and `POST /v1/policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PoliciesRequest {
    /// The complete policy set (it replaces the active one when published).
    pub sources: Vec<PolicySourceBody>,
    /// Why (kept with the version; publishing only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One problem in a policy text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyProblem {
    /// Stable code (`policy_parse_failed`, `policy_validation_failed`, ...).
    pub code: String,
    /// The source it is in.
    pub source_name: String,
    /// The policy's `@id`, when known.
    pub policy_id: Option<String>,
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
}

/// Answer of `POST /v1/policies/validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyValidation {
    /// No problem found.
    pub valid: bool,
    /// The problems.
    pub errors: Vec<PolicyProblem>,
    /// The content digest the set would get (valid sets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Answer of `POST /v1/policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedPolicies {
    /// The new version number.
    pub version: i64,
    /// SHA-256 of schema and sources.
    pub digest: String,
}

/// Answer of `GET /internal/v1/policies/active`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivePolicies {
    /// Version number.
    pub version: i64,
    /// SHA-256 of schema and sources.
    pub digest: String,
    /// The sources.
    pub sources: Vec<PolicySourceBody>,
}

/// Query of `GET /v1/audit`: filters and paging, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this kind (`login_failed`, ...).
    pub kind: Option<String>,
    /// Only this subject.
    pub subject: Option<String>,
    /// Only rows older than this id (the last id of the previous page).
    pub before: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// One row of `GET /v1/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Row id (UUIDv7, time ordered; pass as `before` for the next page).
    pub id: Uuid,
    /// When the audited event was recorded.
    pub occurred_at: DateTime<Utc>,
    /// What (`login_failed`, `account_locked`, `policies_published`, ...).
    pub kind: String,
    /// Who did it (a user id or `system`).
    pub actor: Option<String>,
    /// Whom or what it concerns (a user id, a login, a key id).
    pub subject: Option<String>,
    /// Client address, when known.
    pub ip: Option<String>,
    /// Facts that depend on `kind`, e.g. a created API key's name, scopes and tier.
    pub detail: serde_json::Value,
}

/// Answer of `GET /v1/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

/// A new policy version was published; reload from `GET /internal/v1/policies/active`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliciesPublished {
    /// The new version number.
    pub version: i64,
    /// Its content digest.
    pub digest: String,
}

impl Event for PoliciesPublished {
    const NAME: &'static str = "PoliciesPublished";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:auth:policies:v1";
}

/// A request was refused by policy (gateway or service); audited by nexus-auth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationDenied {
    /// Who asked: a user id, or `guest`.
    pub principal: String,
    /// The action name (`bounty:update`).
    pub action: String,
    /// The resource, e.g. `Bounty::"b1"`.
    pub resource: String,
    /// The policies that decided (forbids), empty when nothing permitted it.
    #[serde(default)]
    pub determining_policies: Vec<String>,
    /// The process that refused (`nexus-gateway`, ...).
    pub service: String,
    /// The caller's address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The request id of the refused request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Event for AuthorizationDenied {
    const NAME: &'static str = "AuthorizationDenied";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:auth:denials:v1";
}

/// What happened to an account's security (see [`AccountSecurityEvent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// A sign-in succeeded from an address this account had not signed in from before.
    NewSignInAddress,
    /// An API key was created.
    ApiKeyCreated,
    /// An API key was revoked.
    ApiKeyRevoked,
    /// A TOTP second factor was enrolled (confirmed).
    MfaEnrolled,
    /// The TOTP second factor was removed.
    MfaDisabled,
    /// The account's login was locked after repeated failures.
    AccountLocked,
}

impl SecurityEventKind {
    /// The wire name (`api_key_created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewSignInAddress => "new_sign_in_address",
            Self::ApiKeyCreated => "api_key_created",
            Self::ApiKeyRevoked => "api_key_revoked",
            Self::MfaEnrolled => "mfa_enrolled",
            Self::MfaDisabled => "mfa_disabled",
            Self::AccountLocked => "account_locked",
        }
    }
}

/// Something changed the security of an account; written through the auth outbox in the
/// transaction of the change, so the owner can be told (nexus-notification's
/// `account.security` notice, which cannot be turned off). Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSecurityEvent {
    /// The account.
    pub user_id: Uuid,
    /// What happened.
    pub kind: SecurityEventKind,
    /// The client address, when the change came with one (sign-ins, lockouts, key changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The API key's id (key events only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<Uuid>,
    /// The API key's name (key events only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_name: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Event for AccountSecurityEvent {
    const NAME: &'static str = "AccountSecurityEvent";
    const VERSION: u32 = 1;
    const STREAM: &'static str = SECURITY_EVENTS_STREAM;
}

/// The stream of [`AccountSecurityEvent`]s.
pub const SECURITY_EVENTS_STREAM: &str = "nexus:auth:events:v1";

// ---------------------------------------------------------------------------------------------
// Debug forms that never print a secret (passwords, codes, tokens, keys, TOTP secrets).
// ---------------------------------------------------------------------------------------------

/// What a secret field prints as.
const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("login", &self.login)
            .field("password", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &REDACTED)
            .field("refresh_expires_in", &self.refresh_expires_in)
            .finish()
    }
}

impl std::fmt::Debug for MfaChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaChallenge")
            .field("mfa_required", &self.mfa_required)
            .field("mfa_token", &REDACTED)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl std::fmt::Debug for MfaLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaLoginRequest")
            .field("mfa_token", &REDACTED)
            .field("code", &REDACTED)
            .field("recovery_code", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("secret", &REDACTED)
            .field("otpauth_uri", &REDACTED)
            .field("qr_svg", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for TotpConfirmRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpConfirmRequest")
            .field("code", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("recovery_codes", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for TotpDisableRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpDisableRequest")
            .field("password", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("key", &REDACTED)
            .field("info", &self.info)
            .finish()
    }
}

impl std::fmt::Debug for IntrospectRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectRequest")
            .field("key", &REDACTED)
            .finish()
    }
}

impl std::fmt::Debug for IntrospectResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectResponse")
            .field("active", &self.active)
            .field("key_id", &self.key_id)
            .field("user_id", &self.user_id)
            .field("roles", &self.roles)
            .field("scopes", &self.scopes)
            .field("tier", &self.tier)
            .field("access_token", &REDACTED)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_secret_bearing_type_prints_its_secret() {
        const SECRET: &str = "s3cret-value";
        let secret = || SECRET.to_owned();
        let printed = [
            format!(
                "{:?}",
                LoginRequest {
                    login: "ada".into(),
                    password: secret()
                }
            ),
            format!(
                "{:?}",
                LoginResponse::Tokens(TokenPair {
                    access_token: secret(),
                    token_type: "Bearer".into(),
                    expires_in: 1,
                    refresh_token: secret(),
                    refresh_expires_in: 1,
                })
            ),
            format!(
                "{:?}",
                LoginResponse::MfaRequired(MfaChallenge {
                    mfa_required: true,
                    mfa_token: secret(),
                    expires_in: 1,
                })
            ),
            format!(
                "{:?}",
                MfaLoginRequest {
                    mfa_token: secret(),
                    code: Some(secret()),
                    recovery_code: Some(secret())
                }
            ),
            format!(
                "{:?}",
                RefreshRequest {
                    refresh_token: secret()
                }
            ),
            format!(
                "{:?}",
                TotpEnrolment {
                    secret: secret(),
                    otpauth_uri: secret(),
                    qr_svg: secret()
                }
            ),
            format!("{:?}", TotpConfirmRequest { code: secret() }),
            format!(
                "{:?}",
                RecoveryCodes {
                    recovery_codes: vec![secret()]
                }
            ),
            format!("{:?}", TotpDisableRequest { password: secret() }),
            format!("{:?}", IntrospectRequest { key: secret() }),
            format!(
                "{:?}",
                IntrospectResponse {
                    active: true,
                    key_id: None,
                    user_id: None,
                    roles: None,
                    scopes: None,
                    tier: None,
                    access_token: Some(secret()),
                    expires_in: None,
                }
            ),
            format!(
                "{:?}",
                crate::user::RegisterRequest {
                    email: "ada@example.com".into(),
                    username: "ada".into(),
                    password: secret(),
                    referral_code: None,
                }
            ),
        ];
        for line in printed {
            assert!(!line.contains(SECRET), "{line}");
            assert!(line.contains("redacted"), "{line}");
        }
    }
}
