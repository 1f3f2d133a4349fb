//! The user service's wire types: accounts, profiles, roles, wallets, WebSocket keys and
//! referrals (REST bodies, internal lookups) and the events it publishes.
//!
//! Roles travel as their lower-case names (`"user"`, `"analyst"`, ...), as in access tokens.
//! Account status is `"active"`, `"banned"` (read-only) or `"disabled"`; referral status is
//! `"pending"` or `"completed"`.

use chrono::{DateTime, Utc};
use nexus_core::{AccountStatus, ChainAddress, Role, UserId};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::Event;

/// The stream of account events (`UserRegistered`, `UserRoleChanged`).
pub const ACCOUNTS_STREAM: &str = "nexus:user:accounts:v1";
/// The stream of password reset requests (`PasswordResetRequested`), read by the notification
/// service to send the e-mail.
pub const PASSWORD_RESETS_STREAM: &str = "nexus:user:password-resets:v1";
/// The stream of wallet events (`WalletLinked`, `WalletUnlinked`).
pub const WALLETS_STREAM: &str = "nexus:user:wallets:v1";
/// The stream of WebSocket key events (`Ed25519KeyRegistered`, `Ed25519KeyRevoked`).
pub const WS_KEYS_STREAM: &str = "nexus:user:ws-keys:v1";
/// The stream of referral events (`ReferralRecorded`, `ReferralCompleted`).
pub const REFERRALS_STREAM: &str = "nexus:user:referrals:v1";

// ---------------------------------------------------------------------------------------------
// Registration and profiles
// ---------------------------------------------------------------------------------------------

/// `POST /v1/users`: create an account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address (normalised: trimmed, lower-cased); at most 254 characters.
    #[schema(max_length = 254, format = Email)]
    pub email: String,
    /// 3–32 characters of `a-z A-Z 0-9 _ . -`, starting with a letter or digit; unique
    /// regardless of case.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")]
    pub username: String,
    /// At least 12 characters, at most 1024 bytes, and strong enough (zxcvbn score ≥ 3).
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    /// Another user's referral code, when this account was referred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_code: Option<String>,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("referral_code", &self.referral_code)
            .finish()
    }
}

/// Fields anyone may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicProfile {
    /// The account's id (a UUIDv7 fixed at registration): the `{id}` of `GET /v1/users/{id}`
    /// and the `sub` of the account's tokens.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Username as registered.
    pub username: String,
    /// Role names (one today).
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// Display name.
    pub display_name: Option<String>,
    /// Short biography.
    pub bio: Option<String>,
    /// Avatar image URL (https).
    pub avatar_url: Option<String>,
    /// Personal website (https).
    pub website: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// What the account's owner sees (`GET /v1/users/me`): the public fields and the private ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrivateProfile {
    /// The public part.
    #[serde(flatten)]
    pub public: PublicProfile,
    /// Normalised email address.
    pub email: String,
    /// Legal or full name (private).
    pub full_name: Option<String>,
    /// Account status: `active`, `banned` (signs in read-only) or `disabled`.
    #[schema(value_type = String)]
    pub status: AccountStatus,
    /// This user's referral code, to share.
    pub referral_code: String,
    /// Last profile change.
    pub updated_at: DateTime<Utc>,
}

// The patterns state exactly what nexus-user's profile rules accept: surrounding white space
// (what `str::trim` removes) is ignored, an empty value clears the field, the length limit
// counts the trimmed characters, control characters other than a line break are refused, and
// a URL is `https://`, a host of letters, digits, `.`, `-` and `:`, then no white space.
/// `PATCH /v1/users/me`: each field absent = unchanged, `null` = cleared, a string = set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// Display name, at most 64 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]{0,64}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub display_name: Option<Option<String>>,
    /// Biography, at most 500 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]{0,500}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub bio: Option<Option<String>>,
    /// Avatar URL, `https://`, at most 512 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(?![^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{513})(https://[A-Za-z0-9.:-]+([/?#][^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*)?)?[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub avatar_url: Option<Option<String>>,
    /// Website URL, `https://`, at most 512 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(?![^\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]{513})(https://[A-Za-z0-9.:-]+([/?#][^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*)?)?[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub website: Option<Option<String>>,
    /// Full name (private), at most 128 characters.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]{0,128}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub full_name: Option<Option<String>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from an absent one (`None`, by default).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PUT /v1/users/{id}/role` (admins only, never on oneself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// The new role: `user`, `analyst` or `admin`.
    pub role: String,
}

// ---------------------------------------------------------------------------------------------
// Internal calls (docs/INTERNAL_API.md)
// ---------------------------------------------------------------------------------------------

/// `POST /internal/v1/credentials/verify`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyCredentialsRequest {
    /// Email address or username.
    pub login: String,
    /// The password to check.
    pub password: String,
}

impl std::fmt::Debug for VerifyCredentialsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyCredentialsRequest")
            .field("login", &self.login)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An account as other services see it: answer of `POST /internal/v1/credentials/verify` and
/// `GET /internal/v1/users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountSummary {
    /// The account's id, the `sub` of its tokens.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Username as registered (unique regardless of case).
    pub username: String,
    /// Normalised email address.
    pub email: String,
    /// Role names (one today: `user`, `analyst` or `admin`).
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// `active`, `banned` (read-only) or `disabled` (no sign-in).
    #[schema(value_type = String)]
    pub status: AccountStatus,
    /// Every token and session of the account issued before this instant is void (status or
    /// role change, password change or reset, sign-out everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_not_before: Option<DateTime<Utc>>,
}

/// `PUT /v1/users/{id}/status` (administrators, with a second factor, never on oneself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeStatusRequest {
    /// `active`, `banned` (signs in read-only) or `disabled` (no sign-in, no token).
    pub status: String,
}

/// `POST /v1/users/me/password`: change the password, proving the current one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password (same policy as at registration).
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordRequest")
            .field("current_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// `POST /v1/users/password-reset`: mail a reset token to this address (always 202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email address.
    pub email: String,
}

/// `POST /v1/users/password-reset/confirm`: set a new password with a mailed token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The token from the e-mail.
    pub token: String,
    /// The new password (same policy as at registration).
    pub new_password: String,
}

impl std::fmt::Debug for PasswordResetConfirmRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetConfirmRequest")
            .field("token", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// `POST /internal/v1/users/{id}/revoke-tokens` (auth's sign-out everywhere): the new mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensRevokedResponse {
    /// Tokens and sessions issued before this instant are void.
    pub tokens_not_before: DateTime<Utc>,
}

/// `POST /internal/v1/referrals/{user_id}/complete` (nexus-reputation): whether a pending
/// referral of the account was completed by this call (`false`: none pending, or completed
/// already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralCompletion {
    /// Completed now.
    pub completed: bool,
    /// The referrer, when completed now (whose bonus nexus-reputation records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_id: Option<UserId>,
}

/// `POST /internal/v1/users/resolve` (auth's lockout): a login name, in the body so it stays out
/// of access logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveLoginRequest {
    /// E-mail address or username.
    pub login: String,
}

/// Answer of `POST /internal/v1/users/resolve`: the account the login name belongs to, so
/// failed sign-ins are counted per account whichever of its names is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedLogin {
    /// The account's id.
    pub user_id: UserId,
}

/// `GET /internal/v1/ws-keys/{public_key_hex}`: whose key this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsKeyOwner {
    /// The key's id.
    pub key_id: Uuid,
    /// Its owner.
    pub user_id: UserId,
    /// The owner's role names.
    pub roles: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Wallets (Sign-In with Ethereum, EIP-4361)
// ---------------------------------------------------------------------------------------------

/// `POST /v1/users/me/wallets/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WalletChallengeRequest {
    /// `0x` and 40 hex digits (EIP-55 checksum checked when mixed case).
    #[schema(pattern = "^0x([0-9a-f]{40}|[0-9A-F]{40})$")]
    pub address: String,
    /// EIP-155 chain id.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_f64)]
    #[serde(deserialize_with = "crate::whole_number::required")]
    pub chain_id: u64,
}

/// The message to sign (EIP-191 `personal_sign`) and when it stops being accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WalletChallenge {
    /// The EIP-4361 message, to be signed exactly as given.
    pub message: String,
    /// The single-use nonce inside the message.
    pub nonce: String,
    /// The message's `Expiration Time`.
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/users/me/wallets`: the signed challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkWalletRequest {
    /// The message exactly as received from the challenge.
    pub message: String,
    /// 65-byte signature (r, s, v) as hex, `0x` optional.
    pub signature: String,
}

/// A linked wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Wallet {
    /// EIP-55 checksummed address.
    #[schema(value_type = String)]
    pub address: ChainAddress,
    /// Chain id the link was signed for.
    pub chain_id: u64,
    /// When it was linked.
    pub linked_at: DateTime<Utc>,
}

/// `GET /v1/users/me/wallets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WalletList {
    /// Linked wallets, oldest first.
    pub wallets: Vec<Wallet>,
}

// ---------------------------------------------------------------------------------------------
// Ed25519 keys for WebSocket sign-in
// ---------------------------------------------------------------------------------------------

/// `POST /v1/users/me/ws-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWsKeyRequest {
    /// The 32-byte Ed25519 public key, as 64 hex digits or base64 (standard or URL-safe,
    /// padding optional).
    pub public_key: String,
    /// A name to recognise the key by, at most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        pattern = "^[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]{0,64}[\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$"
    )]
    pub label: Option<String>,
    /// The challenge from `POST /v1/users/me/ws-keys/challenge` (single use). Required: a
    /// registration without it is refused with `ws_key_proof_required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// The key's Ed25519 signature (128 hex digits) over the registration message
    /// `"nexus-ws-key-registration\nuser:{user_id}\nkey:{public_key_hex}\nchallenge:{challenge}"`
    /// (`public_key_hex` in lower case), proving the caller holds the private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// `POST /v1/users/me/ws-keys/challenge`: what the key to register must sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WsKeyChallenge {
    /// 64 hex digits, usable once, for this account only.
    pub challenge: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// A registered WebSocket key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WsKey {
    /// The key's id, what `DELETE /v1/users/me/ws-keys/{key_id}` takes.
    pub key_id: Uuid,
    /// The public key as 64 lower-case hex digits.
    pub public_key_hex: String,
    /// Its label.
    pub label: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/users/me/ws-keys`: the active (not revoked) keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WsKeyList {
    /// Active keys, oldest first.
    pub keys: Vec<WsKey>,
}

// ---------------------------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------------------------

/// One account this user referred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Referral {
    /// The referred account.
    #[schema(value_type = String, format = Uuid)]
    pub referred_user_id: UserId,
    /// Its username.
    pub referred_username: String,
    /// `pending` until the referred user completes the qualifying step, then `completed`.
    pub status: String,
    /// When the referred account registered.
    pub created_at: DateTime<Utc>,
    /// When the referral completed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// `GET /v1/users/me/referrals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferralList {
    /// This user's code, to share.
    pub referral_code: String,
    /// Accounts referred, newest first.
    pub referrals: Vec<Referral>,
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// An account was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRegistered {
    /// New account id.
    pub user_id: UserId,
    /// Username.
    pub username: String,
    /// Normalised email (for the welcome mail).
    pub email: String,
    /// Initial role (its name on the wire).
    pub role: Role,
    /// The referrer, when registered with a referral code.
    pub referred_by: Option<UserId>,
}

impl Event for UserRegistered {
    const NAME: &'static str = "UserRegistered";
    const VERSION: u32 = 1;
    const STREAM: &'static str = ACCOUNTS_STREAM;
}

/// Someone asked for a password reset of an existing account: the notification service asks
/// the user service for the token once (`POST /internal/v1/password-resets/{reset_id}/token`,
/// answered with a [`PasswordResetToken`]) and mails it to `email`. The token itself is never
/// in the event, so neither the outbox row nor the Redis stream holds a credential; `reset_id`
/// only lets a holder of the service token have the token issued, once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetRequested {
    /// Names the pending reset (URL-safe base64, 43 characters).
    pub reset_id: String,
    /// The account.
    pub user_id: UserId,
    /// Where to send the token.
    pub email: String,
    /// When the reset stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PasswordResetRequested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetRequested")
            .field("reset_id", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `POST /internal/v1/password-resets/{reset_id}/token`: the single-use reset token, issued
/// once per reset (a second call is 404). Its `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetToken {
    /// The token to mail (secret).
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PasswordResetToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Event for PasswordResetRequested {
    const NAME: &'static str = "PasswordResetRequested";
    // 2: the token left the payload for `reset_id`.
    const VERSION: u32 = 2;
    const STREAM: &'static str = PASSWORD_RESETS_STREAM;
}

/// An admin changed an account's role (auth writes it to its audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRoleChanged {
    /// The account whose role changed.
    pub user_id: UserId,
    /// Role before (its name on the wire).
    pub previous_role: Role,
    /// Role after.
    pub new_role: Role,
    /// The admin who changed it.
    pub changed_by: UserId,
}

impl Event for UserRoleChanged {
    const NAME: &'static str = "UserRoleChanged";
    const VERSION: u32 = 1;
    const STREAM: &'static str = ACCOUNTS_STREAM;
}

/// A wallet was linked to an account after a verified EIP-4361 signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletLinked {
    /// Account.
    pub user_id: UserId,
    /// EIP-55 checksummed address.
    pub address: ChainAddress,
    /// Chain id signed for.
    pub chain_id: u64,
}

impl Event for WalletLinked {
    const NAME: &'static str = "WalletLinked";
    const VERSION: u32 = 1;
    const STREAM: &'static str = WALLETS_STREAM;
}

/// A wallet was unlinked by its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletUnlinked {
    /// Account.
    pub user_id: UserId,
    /// EIP-55 checksummed address.
    pub address: ChainAddress,
}

impl Event for WalletUnlinked {
    const NAME: &'static str = "WalletUnlinked";
    const VERSION: u32 = 1;
    const STREAM: &'static str = WALLETS_STREAM;
}

/// An Ed25519 key for WebSocket sign-in was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ed25519KeyRegistered {
    /// Key id.
    pub key_id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Public key, 64 lower-case hex digits.
    pub public_key_hex: String,
}

impl Event for Ed25519KeyRegistered {
    const NAME: &'static str = "Ed25519KeyRegistered";
    const VERSION: u32 = 1;
    const STREAM: &'static str = WS_KEYS_STREAM;
}

/// An Ed25519 key was revoked; the gateway should close sessions opened with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ed25519KeyRevoked {
    /// Key id.
    pub key_id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// Public key, 64 lower-case hex digits.
    pub public_key_hex: String,
}

impl Event for Ed25519KeyRevoked {
    const NAME: &'static str = "Ed25519KeyRevoked";
    const VERSION: u32 = 1;
    const STREAM: &'static str = WS_KEYS_STREAM;
}

/// A new account registered with another user's referral code (status `pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralRecorded {
    /// The user whose code was used.
    pub referrer_id: UserId,
    /// The new account.
    pub referred_id: UserId,
}

impl Event for ReferralRecorded {
    const NAME: &'static str = "ReferralRecorded";
    const VERSION: u32 = 1;
    const STREAM: &'static str = REFERRALS_STREAM;
}

/// A pending referral became `completed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralCompleted {
    /// The user whose code was used.
    pub referrer_id: UserId,
    /// The referred account.
    pub referred_id: UserId,
}

impl Event for ReferralCompleted {
    const NAME: &'static str = "ReferralCompleted";
    const VERSION: u32 = 1;
    const STREAM: &'static str = REFERRALS_STREAM;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn absent_null_and_present_profile_fields_are_distinguished() {
        let update: UpdateProfileRequest =
            serde_json::from_str(r#"{"bio": null, "display_name": "Ada"}"#).unwrap();
        assert_eq!(update.bio, Some(None));
        assert_eq!(update.display_name, Some(Some("Ada".into())));
        assert_eq!(update.website, None);
    }

    #[test]
    fn credential_requests_never_print_the_password() {
        let request = VerifyCredentialsRequest {
            login: "ada".into(),
            password: "correct horse battery staple".into(),
        };
        assert!(!format!("{request:?}").contains("horse"));
    }
}
