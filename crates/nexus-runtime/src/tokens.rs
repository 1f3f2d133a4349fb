//! Access-token validation for every service: `[tokens]` settings, the shared
//! [`TokenValidator`] and the worker that keeps its keys in step with the auth service's JWKS.
//!
//! Every service validates the bearer tokens it receives itself (defence in depth: the gateway
//! checks them too), so every process needs the auth service's public keys. They come from,
//! in order:
//! 1. `tokens.jwks`, an inline JWKS document (tests, air-gapped set-ups);
//! 2. `tokens.jwks_url`, fetched at start, every `refresh_interval`, and at most once per
//!    `min_refresh_interval` when a token names a `kid` we do not know (a key rotation);
//! 3. the auth service's own keys, which it installs with
//!    [`Resources::install_local_keys`](crate::Resources::install_local_keys) (it does not
//!    fetch its own JWKS over HTTP).
//!
//! Until the first fetch lands, the validator's start-up gate is closed
//! ([`nexus_http::startup_gate`]): every request with a token is answered 503 `auth_not_ready`
//! with `Retry-After`, never 401 (a client told its token is invalid signs its user out), and
//! `/ready` is 503. Afterwards a failed refresh keeps the keys already held.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nexus_client::{CallContext, ClientSettings, ServiceClient};
use nexus_config::Validate;
use nexus_http::token::{JwkSet, KeySet, TokenRules, TokenValidator};
use serde::Deserialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::workers::WorkerResult;

/// The start-up gate's name for the auth service's signing keys.
pub(crate) const SIGNING_KEYS: &str = "signing keys";

/// `[tokens]`: what access tokens must say and where their verification keys come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TokenSettings {
    /// Required `iss`; the auth service signs with it and serves OIDC discovery under it.
    pub issuer: String,
    /// Required `aud`.
    pub audience: String,
    /// Clock slack for `exp`/`nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// Where the auth service publishes its public keys (an empty value means none).
    #[serde(deserialize_with = "crate::policy_sync::optional_url")]
    pub jwks_url: Option<Url>,
    /// An inline JWKS document used instead of fetching (tests, air-gapped set-ups).
    pub jwks: Option<String>,
    /// How often the JWKS is fetched again.
    #[serde(with = "humantime_serde")]
    pub refresh_interval: Duration,
    /// The shortest pause between two fetches triggered by unknown `kid`s (tokens are
    /// attacker-controlled, so a flood of random `kid`s must not become a flood of fetches).
    #[serde(with = "humantime_serde")]
    pub min_refresh_interval: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8081".into(),
            audience: "nexus".into(),
            leeway: Duration::from_secs(30),
            jwks_url: Url::parse("http://127.0.0.1:8081/.well-known/jwks.json").ok(),
            jwks: None,
            refresh_interval: Duration::from_secs(300),
            min_refresh_interval: Duration::from_secs(10),
        }
    }
}

impl Validate for TokenSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.issuer.trim().is_empty() {
            problems.push("tokens.issuer must not be empty".into());
        }
        if self.audience.trim().is_empty() {
            problems.push("tokens.audience must not be empty".into());
        }
        if self.leeway > Duration::from_secs(300) {
            problems.push("tokens.leeway must be at most 5m".into());
        }
        if let Some(document) = &self.jwks
            && let Err(error) = serde_json::from_str::<JwkSet>(document)
        {
            problems.push(format!("tokens.jwks is not a JWKS document: {error}"));
        }
        if self.refresh_interval < Duration::from_secs(1) {
            problems.push("tokens.refresh_interval must be at least 1s".into());
        }
    }
}

impl TokenSettings {
    /// The rules tokens are checked against.
    pub fn rules(&self) -> TokenRules {
        let mut rules = TokenRules::new(self.issuer.clone(), self.audience.clone());
        rules.leeway = self.leeway;
        rules
    }

    /// The keys of the inline `jwks` document (empty when there is none).
    pub fn static_keys(&self) -> KeySet {
        self.jwks
            .as_deref()
            .and_then(|document| serde_json::from_str::<JwkSet>(document).ok())
            .map(|set| KeySet::from_jwk_set(&set))
            .unwrap_or_default()
    }
}

/// The validator shared by a process's handlers, plus what refreshes its keys.
#[derive(Debug, Clone)]
pub(crate) struct TokenKeys {
    pub(crate) validator: TokenValidator,
    static_keys: KeySet,
    refresh: Arc<Notify>,
}

impl TokenKeys {
    pub(crate) fn new(settings: &TokenSettings) -> Self {
        let static_keys = settings.static_keys();
        let refresh = Arc::new(Notify::new());
        let wake = refresh.clone();
        let validator = TokenValidator::new(settings.rules(), static_keys.clone())
            .with_unknown_key_hook(Arc::new(move |_kid: &str| wake.notify_one()));
        Self {
            validator,
            static_keys,
            refresh,
        }
    }

    /// Replaces every non-static key with `keys`, and opens the start-up gate's keys part.
    pub(crate) fn install(&self, keys: &KeySet) {
        self.validator
            .replace_keys(self.static_keys.clone().merged(keys));
        self.validator.startup_gate().satisfy(SIGNING_KEYS);
    }
}

/// Settings for a background fetch loop that paces itself: no retries inside a call and no
/// circuit breaker, so the first fetch after the auth service comes up succeeds at once instead
/// of waiting out an open breaker.
pub(crate) fn background_client(mut settings: ClientSettings) -> ClientSettings {
    settings.retries = 0;
    settings.breaker_failure_threshold = u32::MAX;
    settings
}

/// Keeps `keys` in step with the JWKS at `url` until `shutdown`: fetches at once, then every
/// `refresh_interval`, and when a token names an unknown `kid` (no sooner than
/// `min_refresh_interval` after the previous fetch). Failures are logged and retried; the
/// worker itself only ends at shutdown.
pub(crate) async fn refresh_jwks(
    keys: TokenKeys,
    url: Url,
    settings: TokenSettings,
    client_settings: ClientSettings,
    shutdown: CancellationToken,
) -> WorkerResult {
    let origin = url.origin().ascii_serialization();
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let client = ServiceClient::new("nexus-auth", &origin, background_client(client_settings))
        .map_err(|error| {
            format!(
                "cannot build the JWKS client for {url}: {}",
                nexus_http::error::cause_chain(&error)
            )
        })?;
    let mut retry = Duration::from_millis(250);
    let context = CallContext::none();
    loop {
        let fetched_at = Instant::now();
        let fetched = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            fetched = client.get::<JwkSet>(&context, &path) => fetched,
        };
        let wait = match fetched {
            Ok(set) => {
                let fetched = KeySet::from_jwk_set(&set);
                tracing::info!(keys = fetched.len(), url = %url, "Fetched the auth service's signing keys.");
                keys.install(&fetched);
                retry = Duration::from_millis(250);
                settings.refresh_interval
            }
            Err(error) => {
                tracing::warn!(error = %nexus_http::error::cause_chain(&error), url = %url, "Fetching the JWKS failed; tokens signed with unknown keys are refused until it succeeds.");
                retry = (retry * 2).min(settings.min_refresh_interval.max(Duration::from_secs(1)));
                retry
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(wait) => {}
            () = keys.refresh.notified() => {
                // An unknown kid: fetch again, but never sooner than the floor allows.
                let floor = fetched_at + settings.min_refresh_interval;
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    () = tokio::time::sleep_until(floor.into()) => {}
                }
            }
        }
    }
}
