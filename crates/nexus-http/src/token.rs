//! Strict validation of access tokens (JWT), shared by the gateway and every service.
//!
//! Order of checks, cheapest and most suspicious first, claims only after the signature:
//! 1. size bound (`token_too_large`) and shape: three base64url segments (`token_malformed`);
//! 2. header: `typ` must be `at+jwt` (RFC 9068; refresh or ID tokens are `token_wrong_type`),
//!    `alg` must be on the allow-list, spelt exactly (`none` in any casing, HS*, PS*, ES* are
//!    `token_algorithm_not_allowed`), and the header may not carry `jku`, `x5u`, `jwk`, `x5c` or
//!    `crit` (`token_header_forbidden`): keys come from our JWKS only;
//! 3. `kid` must name a key in our JWKS whose algorithm equals the header's (`token_unknown_key`,
//!    or `token_algorithm_not_allowed` on a mismatch, which rules out RS/HS and RS/EdDSA confusion);
//! 4. signature (`token_signature_invalid`);
//! 5. claims: `iss`, `aud`, `sub`, `exp`, `nbf`, `iat`, `jti` required; `exp`/`nbf` with a small
//!    leeway; issuer and audience must match; roles must be known.
//!
//! Every failure is a 401 with its own stable code; the message never echoes the token.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::{Ready, ready};
use jsonwebtoken::errors::ErrorKind;
/// A JWKS document (RFC 7517), as the auth service publishes it.
pub use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::jwk::KeyAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use nexus_core::Role;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, HttpError};

/// The only `typ` an access token may carry (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// Header parameters that would let a token choose its own key; always refused.
const FORBIDDEN_HEADER_PARAMETERS: [&str; 5] = ["jku", "x5u", "jwk", "x5c", "crit"];

/// What a valid token must say and how much slack clocks get.
#[derive(Debug, Clone)]
pub struct TokenRules {
    /// Required `iss`.
    pub issuer: String,
    /// Required member of `aud`.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// Longest token accepted, in bytes.
    pub max_token_bytes: usize,
    /// Signature algorithms accepted (asymmetric only).
    pub allowed_algorithms: Vec<Algorithm>,
}

impl TokenRules {
    /// RS256 and EdDSA, 30 s leeway, tokens up to 8 KiB.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: Duration::from_secs(30),
            max_token_bytes: 8 * 1024,
            allowed_algorithms: vec![Algorithm::RS256, Algorithm::EdDSA],
        }
    }
}

/// The claims of a valid access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Audience(s).
    pub aud: Audience,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
    /// Not before (seconds since the epoch).
    pub nbf: u64,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Unique token id (for revocation lists and audit).
    pub jti: String,
    /// Role names; see [`AccessClaims::roles`].
    #[serde(default)]
    pub roles: Vec<String>,
    /// How the subject authenticated (RFC 8176 method references): `["pwd"]`,
    /// `["pwd", "otp", "mfa"]` after a TOTP step, `["api_key"]` for API-key tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// Space-separated scopes (API-key tokens only; user tokens carry their roles' rights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The account's status when the token was issued: `active` or `banned` (a disabled account
    /// gets no token). Absent means `active`. A status change revokes the account's earlier
    /// tokens, so the claim is never stale for longer than the revocation takes to spread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The id of the API key a token was minted for (API-key tokens only), so revoking the key
    /// voids the tokens minted for it (`nexus_runtime::revocation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
}

/// `aud` as one string or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl AccessClaims {
    /// True when the subject passed a second factor (`amr` contains `mfa`): Cedar's
    /// `context.mfa`.
    pub fn has_mfa(&self) -> bool {
        self.amr.iter().any(|method| method == "mfa")
    }

    /// The scopes of an API-key token (empty for user tokens).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }

    /// The most privileged role the token names; `Guest` when it names none we know.
    pub fn highest_role(&self) -> Role {
        self.roles()
            .ok()
            .and_then(|roles| roles.into_iter().max())
            .unwrap_or(Role::Guest)
    }

    /// True when the account was banned when the token was issued (Cedar's `is_banned`).
    pub fn is_banned(&self) -> bool {
        self.status.as_deref() == Some("banned")
    }

    /// True for tokens minted for an API key (`amr` contains `api_key`).
    pub fn is_api_key(&self) -> bool {
        self.amr.iter().any(|method| method == "api_key")
    }

    /// When the token was issued, in Unix milliseconds: the timestamp of its UUIDv7 `jti` when
    /// that agrees with `iat` (our issuer always mints v7 ids), otherwise the start of the `iat`
    /// second. Revocation marks are kept in milliseconds so a token minted a moment after a
    /// revocation is not caught by it; the fallback errs towards "older", i.e. revoked.
    pub fn issued_at_ms(&self) -> u64 {
        let second_start = self.iat.saturating_mul(1000);
        let from_jti = uuid::Uuid::parse_str(&self.jti)
            .ok()
            .filter(|id| id.get_version_num() == 7)
            .and_then(|id| id.get_timestamp())
            .map(|timestamp| {
                let (seconds, nanos) = timestamp.to_unix();
                seconds.saturating_mul(1000) + u64::from(nanos / 1_000_000)
            });
        match from_jti {
            Some(ms) if (second_start..second_start + 1000).contains(&ms) => ms,
            _ => second_start,
        }
    }

    /// The roles, parsed.
    pub fn roles(&self) -> Result<Vec<Role>, TokenError> {
        self.roles
            .iter()
            .map(|name| name.parse().map_err(|_| TokenError::ClaimsInvalid))
            .collect()
    }
}

/// Why a token was refused. All are 401 except [`TokenError::NotReady`] (503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("send an access token as `Authorization: Bearer <token>`")]
    Missing,
    /// Larger than the configured bound.
    #[error("the access token is larger than accepted")]
    TooLarge,
    /// Not three base64url segments with a JSON header and payload.
    #[error("the access token is malformed")]
    Malformed,
    /// `typ` is not `at+jwt`.
    #[error("this is not an access token")]
    WrongType,
    /// `alg` is not allowed, or does not match the key.
    #[error("the access token's signature algorithm is not accepted")]
    AlgorithmNotAllowed,
    /// The header carries a key or key location.
    #[error("the access token's header carries parameters that are not accepted")]
    HeaderForbidden,
    /// `kid` missing or not in our key set.
    #[error("the access token was not signed with a key of ours")]
    UnknownKey,
    /// Signature does not verify.
    #[error("the access token's signature is invalid")]
    SignatureInvalid,
    /// `exp` has passed.
    #[error("the access token has expired; refresh it")]
    Expired,
    /// `nbf` is in the future.
    #[error("the access token is not valid yet")]
    NotYetValid,
    /// `iss` is not ours.
    #[error("the access token was issued by someone else")]
    WrongIssuer,
    /// `aud` does not include us.
    #[error("the access token is meant for another audience")]
    WrongAudience,
    /// A required claim is absent.
    #[error("the access token lacks a required claim")]
    ClaimsMissing,
    /// A claim has the wrong type or an unknown value.
    #[error("the access token has an invalid claim")]
    ClaimsInvalid,
    /// The service has just started and does not hold the signing keys or the published
    /// policies yet (see [`crate::startup_gate`]): the token is not judged at all.
    #[error("the service is starting and cannot check access tokens yet; retry shortly")]
    NotReady,
}

impl HttpError for TokenError {
    fn status(&self) -> StatusCode {
        match self {
            TokenError::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    fn retry_after_seconds(&self) -> Option<u32> {
        matches!(self, TokenError::NotReady)
            .then_some(crate::startup_gate::NOT_READY_RETRY_AFTER_SECONDS)
    }

    fn code(&self) -> &'static str {
        match self {
            TokenError::Missing => "token_missing",
            TokenError::TooLarge => "token_too_large",
            TokenError::Malformed => "token_malformed",
            TokenError::WrongType => "token_wrong_type",
            TokenError::AlgorithmNotAllowed => "token_algorithm_not_allowed",
            TokenError::HeaderForbidden => "token_header_forbidden",
            TokenError::UnknownKey => "token_unknown_key",
            TokenError::SignatureInvalid => "token_signature_invalid",
            TokenError::Expired => "token_expired",
            TokenError::NotYetValid => "token_not_yet_valid",
            TokenError::WrongIssuer => "token_wrong_issuer",
            TokenError::WrongAudience => "token_wrong_audience",
            TokenError::ClaimsMissing => "token_claims_missing",
            TokenError::ClaimsInvalid => "token_claims_invalid",
            TokenError::NotReady => "auth_not_ready",
        }
    }
}

/// Verification keys by `kid`, each bound to one algorithm.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeySet {
    /// Adds a key.
    pub fn insert(&mut self, kid: impl Into<String>, algorithm: Algorithm, key: DecodingKey) {
        self.keys.insert(kid.into(), (algorithm, key));
    }

    /// The keys of a JWKS document; keys without `kid` or `alg`, or with an algorithm we do
    /// not verify, are skipped (an attacker-influenced JWKS cannot widen the allow-list).
    pub fn from_jwk_set(set: &JwkSet) -> Self {
        let mut keys = Self::default();
        for jwk in &set.keys {
            let algorithm = match jwk.common.key_algorithm {
                Some(KeyAlgorithm::RS256) => Algorithm::RS256,
                Some(KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
                _ => continue,
            };
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                keys.insert(kid.clone(), algorithm, key);
            }
        }
        keys
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key ids, in no particular order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// This set with `other`'s keys added (a key of `other` wins on a shared `kid`).
    #[must_use]
    pub fn merged(mut self, other: &KeySet) -> Self {
        for (kid, entry) in &other.keys {
            self.keys.insert(kid.clone(), entry.clone());
        }
        self
    }
}

/// Called with the `kid` of a token whose key is not in the set, so the owner of the set can
/// fetch the JWKS again (at a bounded rate: tokens are attacker-controlled).
pub type UnknownKeyHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Validates access tokens against a key set that can be replaced at run time (JWKS refresh).
#[derive(Clone)]
pub struct TokenValidator {
    rules: Arc<TokenRules>,
    keys: Arc<RwLock<KeySet>>,
    on_unknown_key: Option<UnknownKeyHook>,
    gate: Arc<crate::startup_gate::StartupGate>,
}

impl std::fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenValidator")
            .field("rules", &self.rules)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
}

impl TokenValidator {
    /// A validator with these rules and keys.
    pub fn new(rules: TokenRules, keys: KeySet) -> Self {
        Self {
            rules: Arc::new(rules),
            keys: Arc::new(RwLock::new(keys)),
            on_unknown_key: None,
            gate: Arc::new(crate::startup_gate::StartupGate::new()),
        }
    }

    /// The gate every validation waits behind: while it is closed, every token is answered
    /// with [`TokenError::NotReady`] (503) instead of being judged against missing keys.
    pub fn startup_gate(&self) -> &Arc<crate::startup_gate::StartupGate> {
        &self.gate
    }

    /// Calls `hook` whenever a token names a `kid` that is not in the set (the runtime uses it
    /// to refresh the JWKS after a key rotation).
    #[must_use]
    pub fn with_unknown_key_hook(mut self, hook: UnknownKeyHook) -> Self {
        self.on_unknown_key = Some(hook);
        self
    }

    /// The rules tokens are checked against.
    pub fn rules(&self) -> &TokenRules {
        &self.rules
    }

    /// A copy of the current key set.
    pub fn keys(&self) -> KeySet {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the key set (after fetching the JWKS again).
    pub fn replace_keys(&self, keys: KeySet) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
    }

    /// Whether `kid` is known (the gateway refreshes its JWKS on unknown ids, rate-limited).
    pub fn knows_key(&self, kid: &str) -> bool {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .contains_key(kid)
    }

    /// Validates `token` and returns its claims.
    pub fn validate(&self, token: &str) -> Result<AccessClaims, TokenError> {
        if !self.gate.is_open() {
            return Err(TokenError::NotReady);
        }
        if token.len() > self.rules.max_token_bytes {
            return Err(TokenError::TooLarge);
        }
        let mut segments = token.split('.');
        let (Some(header_segment), Some(_), Some(_), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(TokenError::Malformed);
        };
        let header_json = URL_SAFE_NO_PAD
            .decode(header_segment)
            .map_err(|_| TokenError::Malformed)?;
        let header_object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&header_json).map_err(|_| TokenError::Malformed)?;
        if FORBIDDEN_HEADER_PARAMETERS
            .iter()
            .any(|name| header_object.contains_key(*name))
        {
            return Err(TokenError::HeaderForbidden);
        }
        let header: RawHeader = serde_json::from_value(serde_json::Value::Object(header_object))
            .map_err(|_| TokenError::Malformed)?;
        if header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        let algorithm = header
            .alg
            .as_deref()
            .and_then(|name| {
                self.rules
                    .allowed_algorithms
                    .iter()
                    .copied()
                    .find(|allowed| algorithm_name(*allowed) == name)
            })
            .ok_or(TokenError::AlgorithmNotAllowed)?;
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = {
            let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
            let Some((key_algorithm, key)) = keys.keys.get(&kid) else {
                drop(keys);
                if let Some(hook) = &self.on_unknown_key {
                    hook(&kid);
                }
                return Err(TokenError::UnknownKey);
            };
            if *key_algorithm != algorithm {
                return Err(TokenError::AlgorithmNotAllowed);
            }
            key.clone()
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.rules.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.rules.issuer]);
        validation.set_audience(&[&self.rules.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
            .map_err(|error| classify(error.kind()))?;
        data.claims.roles()?;
        Ok(data.claims)
    }
}

/// The JOSE name of an algorithm we may accept; symmetric (HS*) algorithms never match, so
/// they cannot be allowed by configuration either.
fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::EdDSA => "EdDSA",
        _ => "(not accepted)",
    }
}

fn classify(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::SignatureInvalid,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(_) => TokenError::ClaimsMissing,
        ErrorKind::InvalidClaimFormat(_) => TokenError::ClaimsInvalid,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName => TokenError::AlgorithmNotAllowed,
        // serde says "missing field" for an absent claim and "invalid type" for a wrong one.
        ErrorKind::Json(error)
            if error.is_data() && error.to_string().starts_with("missing field") =>
        {
            TokenError::ClaimsMissing
        }
        ErrorKind::Json(error) if error.is_data() => TokenError::ClaimsInvalid,
        _ => TokenError::Malformed,
    }
}

/// Extractor for handlers that need a signed-in caller: validates the bearer token with the
/// app's `web::Data<TokenValidator>`, or answers 401 with the reason's code.
#[derive(Debug, Clone)]
pub struct Authenticated(pub AccessClaims);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authenticate(request))
    }
}

fn authenticate(request: &HttpRequest) -> Result<Authenticated, ApiError> {
    let Some(validator) = request.app_data::<web::Data<TokenValidator>>() else {
        return Err(ApiError::internal(std::io::Error::other(
            "no TokenValidator is registered as app data",
        )));
    };
    let header = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or(TokenError::Missing)?;
    let (scheme, token) = header.split_once(' ').ok_or(TokenError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::Missing.into());
    }
    Ok(Authenticated(validator.validate(token.trim())?))
}
