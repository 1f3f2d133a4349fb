//! Who is calling: a bearer JWT checked locally, an API key introspected by the auth service
//! (cached briefly, keyed by the key's SHA-256, never the key), or a guest.
//!
//! Every identity, cached or fresh, is checked against the process's copy of the revocation
//! marks ([`Revocations`], memory only): a revoked bearer token is `token_revoked`; a cached
//! API-key identity whose minted token was revoked (the account's role or status changed) is
//! introspected again, so the new token carries the account's current roles and status, and a
//! revoked key comes back inactive. [`Authenticator::evict`] drops what a revocation voids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use nexus_client::{CallContext, ServiceClient};
use nexus_core::hex;
use nexus_core::{ApiKeyTier, Role};
use nexus_http::RequestContext;
use nexus_http::token::{AccessClaims, TokenError, TokenValidator};
use nexus_proto::auth::{IntrospectRequest, IntrospectResponse};
use nexus_runtime::revocation::{RevocationRefusal, Revocations, Revoked};
use sha2::{Digest, Sha256};

use crate::error::GatewayError;

/// The `X-API-Key` header.
pub const API_KEY_HEADER: &str = "x-api-key";
/// Longest API key accepted before any call.
const MAX_API_KEY_LEN: usize = 256;
/// How long a "not active" answer is remembered (a flood of random keys costs one call each).
const NEGATIVE_TTL: Duration = Duration::from_secs(5);

/// The caller of one request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Not signed in.
    Guest,
    /// A checked access token (from the client, or minted by auth for an API key).
    User(Arc<Identity>),
}

/// A signed-in caller. Its `Debug` form leaves the bearer token out (`<redacted>`): a
/// logged caller must not hand out a credential.
#[derive(Clone)]
pub struct Identity {
    /// The validated claims.
    pub claims: AccessClaims,
    /// The highest of the token's roles.
    pub role: Role,
    /// The bearer token forwarded to the upstream.
    pub token: String,
    /// Set when the caller used an API key.
    pub api_key: Option<ApiKeyInfo>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("claims", &self.claims)
            .field("role", &self.role)
            .field("token", &"<redacted>")
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// The API key a caller used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// The key's id (never the key).
    pub key_id: String,
    /// Its rate-limit tier; `None` when auth named none, which the limiter reads as the
    /// `default` quota.
    pub tier: Option<ApiKeyTier>,
}

impl Caller {
    /// The account id, for signed-in callers.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::Guest => None,
            Caller::User(identity) => Some(identity.claims.sub.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
struct CachedKey {
    identity: Option<Arc<Identity>>,
    until: Instant,
}

/// How long a validated bearer token is remembered (never past its `exp`).
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);
/// Most validated tokens remembered at once.
const TOKEN_CACHE_ENTRIES: usize = 50_000;

/// Validated identities by token digest, with the instant they stop being reused.
type TokenCache = HashMap<[u8; 32], (Arc<Identity>, Instant)>;

/// Authenticates requests.
#[derive(Debug, Clone)]
pub struct Authenticator {
    validator: TokenValidator,
    /// Validated bearer tokens by SHA-256, until `min(exp, 60 s)`: the signature check is the
    /// largest cost of a proxied request, and a client sends the same token many times.
    tokens: Arc<Mutex<TokenCache>>,
    auth: ServiceClient,
    cache: Arc<Mutex<HashMap<String, CachedKey>>>,
    cache_ttl: Duration,
    cache_entries: usize,
    revocations: Revocations,
}

impl Authenticator {
    /// An authenticator validating with `validator` and introspecting through `auth`.
    pub fn new(
        validator: TokenValidator,
        auth: ServiceClient,
        cache_ttl: Duration,
        cache_entries: usize,
        revocations: Revocations,
    ) -> Self {
        Self {
            validator,
            tokens: Arc::default(),
            auth,
            cache: Arc::default(),
            cache_ttl,
            cache_entries,
            revocations,
        }
    }

    /// The process's revocation marks (the WebSocket hub closes sessions from its broadcast).
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Refuses a revoked identity (`token_revoked`) or, once the marks are stale, any identity
    /// (`revocation_unavailable`).
    pub fn check_revocation(&self, claims: &AccessClaims) -> Result<(), GatewayError> {
        self.revocations
            .check(claims)
            .map_err(|refusal| match refusal {
                RevocationRefusal::Revoked => GatewayError::TokenRevoked,
                RevocationRefusal::Unavailable => GatewayError::RevocationUnavailable,
            })
    }

    /// Forgets the cached identities `revoked` voids: the key's introspection answers, or every
    /// cached identity of the account (its next request is validated or introspected afresh).
    pub fn evict(&self, revoked: &Revoked) -> usize {
        let voided = |identity: &Identity| match revoked {
            Revoked::ApiKey { key_id, .. } => identity
                .api_key
                .as_ref()
                .is_some_and(|key| key.key_id == *key_id),
            Revoked::Account { user_id, .. } => identity.claims.sub == *user_id,
        };
        let mut evicted = 0;
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, entry| {
                let keep = !entry.identity.as_deref().is_some_and(voided);
                evicted += usize::from(!keep);
                keep
            });
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, (identity, _)| {
                let keep = !voided(identity);
                evicted += usize::from(!keep);
                keep
            });
        evicted
    }

    /// Whether a request with these headers carries an API key the cache does not answer for,
    /// i.e. whether authenticating it would call the auth service (the gateway checks the
    /// per-address failure limit first, so a flood of random keys stops reaching auth).
    pub fn needs_introspection(&self, headers: &HeaderMap) -> bool {
        let Some(key) = api_key_credential(headers) else {
            return false;
        };
        let digest = hex::encode(&Sha256::digest(key.as_bytes()));
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest)
            .is_none_or(|entry| entry.until <= Instant::now())
    }

    /// The shared validator.
    pub fn validator(&self) -> &TokenValidator {
        &self.validator
    }

    /// Validates a bearer token into an identity.
    pub fn identity_from_token(&self, token: &str) -> Result<Identity, TokenError> {
        let claims = self.validator.validate(token)?;
        let role = claims.roles()?.into_iter().max().unwrap_or(Role::User);
        Ok(Identity {
            claims,
            role,
            token: token.to_owned(),
            api_key: None,
        })
    }

    /// The caller of a request with these headers; `context` is passed on to introspection.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        context: &RequestContext,
    ) -> Result<Caller, AuthFailure> {
        let authorization = headers
            .get(AUTHORIZATION)
            .map(|value| value.to_str().map_err(|_| TokenError::Malformed))
            .transpose()?;
        if let Some(value) = authorization {
            let Some((scheme, credential)) = value.split_once(' ') else {
                return Err(TokenError::Missing.into());
            };
            if scheme.eq_ignore_ascii_case("bearer") {
                let identity = self.cached_identity(credential.trim())?;
                self.check_revocation(&identity.claims)?;
                return Ok(Caller::User(identity));
            }
            if scheme.eq_ignore_ascii_case("apikey") {
                return self.api_key(credential.trim(), context).await;
            }
            return Err(TokenError::Missing.into());
        }
        if let Some(value) = headers.get(API_KEY_HEADER) {
            let key = value.to_str().map_err(|_| GatewayError::ApiKeyMalformed)?;
            return self.api_key(key.trim(), context).await;
        }
        Ok(Caller::Guest)
    }

    /// [`Authenticator::identity_from_token`] through the cache of validated tokens.
    fn cached_identity(&self, token: &str) -> Result<Arc<Identity>, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = Instant::now();
        if let Some((identity, until)) = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest)
            && *until > now
        {
            return Ok(identity.clone());
        }
        let identity = Arc::new(self.identity_from_token(token)?);
        let expires_in = identity
            .claims
            .exp
            .saturating_sub(chrono::Utc::now().timestamp().max(0).unsigned_abs());
        let until = now + TOKEN_CACHE_TTL.min(Duration::from_secs(expires_in));
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() >= TOKEN_CACHE_ENTRIES {
            tokens.retain(|_, (_, until)| *until > now);
        }
        if tokens.len() < TOKEN_CACHE_ENTRIES {
            tokens.insert(digest, (identity.clone(), until));
        }
        Ok(identity)
    }

    async fn api_key(&self, key: &str, context: &RequestContext) -> Result<Caller, AuthFailure> {
        if key.is_empty()
            || key.len() > MAX_API_KEY_LEN
            || !key.bytes().all(|byte| byte.is_ascii_graphic())
        {
            return Err(GatewayError::ApiKeyMalformed.into());
        }
        let digest = hex::encode(&Sha256::digest(key.as_bytes()));
        let now = Instant::now();
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&digest)
            .filter(|entry| entry.until > now)
            .cloned();
        // A cached identity whose minted token was revoked since (role, status or key change)
        // is asked about again: auth answers with the account's current state.
        let cached = cached.filter(|entry| {
            entry
                .identity
                .as_ref()
                .is_none_or(|identity| !self.revocations.is_revoked(&identity.claims))
        });
        let identity = match cached {
            Some(entry) => entry.identity,
            None => {
                let call = nexus_runtime::call_context(context);
                let (identity, ttl) = self.introspect(key, &call).await?;
                self.remember(digest, identity.clone(), now + ttl);
                identity
            }
        };
        let identity = identity.ok_or(GatewayError::ApiKeyInvalid)?;
        self.check_revocation(&identity.claims)?;
        Ok(Caller::User(identity))
    }

    async fn introspect(
        &self,
        key: &str,
        context: &CallContext,
    ) -> Result<(Option<Arc<Identity>>, Duration), AuthFailure> {
        let request = IntrospectRequest {
            key: key.to_owned(),
        };
        let answer: IntrospectResponse = self
            .auth
            .auth()
            .introspect_api_key(context, &request)
            .await
            .map_err(|error| {
            tracing::warn!(error = %error, code = error.code(), "API-key introspection failed.");
            GatewayError::AuthUnavailable
        })?;
        let (true, Some(token)) = (answer.active, answer.access_token) else {
            return Ok((None, NEGATIVE_TTL.min(self.cache_ttl)));
        };
        // The token is ours to check like any other; a bad one means auth is misconfigured.
        let mut identity = self.identity_from_token(&token).map_err(|error| {
            tracing::error!(error = %error, "The auth service returned an access token that does not validate.");
            GatewayError::AuthUnavailable
        })?;
        identity.api_key = Some(ApiKeyInfo {
            key_id: answer.key_id.map(|id| id.to_string()).unwrap_or_default(),
            tier: answer.tier,
        });
        // Never reuse the minted token past its life (minus a margin for the upstream's check).
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(0).saturating_sub(5));
        Ok((Some(Arc::new(identity)), self.cache_ttl.min(lifetime)))
    }

    fn remember(&self, digest: String, identity: Option<Arc<Identity>>, until: Instant) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.cache_entries {
            let now = Instant::now();
            cache.retain(|_, entry| entry.until > now);
            if cache.len() >= self.cache_entries {
                return;
            }
        }
        cache.insert(digest, CachedKey { identity, until });
    }
}

impl Authenticator {
    /// Evicts what each revocation received on `revoked` voids, until `shutdown`. Take the
    /// receiver before the workers start so no revocation falls between.
    pub async fn evict_revoked(
        self,
        mut revoked: tokio::sync::broadcast::Receiver<Revoked>,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> nexus_runtime::WorkerResult {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                next = revoked.recv() => match next {
                    Ok(revocation) => {
                        let evicted = self.evict(&revocation);
                        tracing::info!(user_id = %revocation.user_id(), evicted, "Applied a revocation.");
                    }
                    // Missed some: the request path re-checks every identity anyway.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "Revocation evictions lagged.");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}

/// The API key a request carries (`Authorization: ApiKey ...` or `X-API-Key`), if any.
fn api_key_credential(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let (scheme, credential) = value.to_str().ok()?.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("apikey")
            .then_some(credential.trim());
    }
    headers
        .get(API_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

/// A refused credential: a token error (its own code) or a gateway error.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    /// The bearer token is invalid.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// An API-key problem or auth being unavailable.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl AuthFailure {
    /// Whether the client presented a credential that failed (counted against the address's
    /// failed-authentication quota), as opposed to the gateway being unable to check it.
    pub fn is_client_failure(&self) -> bool {
        match self {
            // A gateway that cannot judge tokens yet is not the client's failure.
            AuthFailure::Token(error) => *error != TokenError::NotReady,
            AuthFailure::Gateway(error) => matches!(
                error,
                GatewayError::ApiKeyInvalid
                    | GatewayError::ApiKeyMalformed
                    | GatewayError::TokenRevoked
            ),
        }
    }

    /// The metric label.
    pub fn reason(&self) -> &'static str {
        use nexus_http::HttpError;
        match self {
            AuthFailure::Token(error) => error.code(),
            AuthFailure::Gateway(error) => error.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_caller_prints_no_bearer_token() {
        let claims: AccessClaims = serde_json::from_value(serde_json::json!({
            "iss": "nexus-auth", "sub": "u-1", "aud": "nexus", "exp": 2, "nbf": 0, "iat": 0,
            "jti": "j-1", "roles": ["user"],
        }))
        .unwrap();
        let caller = Caller::User(Arc::new(Identity {
            claims,
            role: Role::User,
            token: "eyJ.s3cret.signature".to_owned(),
            api_key: None,
        }));
        for printed in [format!("{caller:?}"), format!("{caller:#?}")] {
            assert!(!printed.contains("s3cret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
            assert!(
                printed.contains("u-1"),
                "the subject stays visible: {printed}"
            );
        }
    }
}
