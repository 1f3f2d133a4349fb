//! nexus-auth: who is signing in, with what, and what they may do.
//!
//! Owns: sign-in (password, then TOTP when enrolled), access tokens (JWT, RS256 or EdDSA) and
//! rotating refresh tokens with reuse detection, JWKS and OIDC discovery, TOTP MFA with recovery
//! codes, API keys and their introspection, the brute-force defence (per-account soft lock,
//! per-IP limit), Cedar policies (versioned in PostgreSQL, `POST /v1/authorize`, validate and
//! publish), and the security audit log (schema `auth`).
//!
//! Does not own: accounts and password hashes (nexus-user does; auth asks it over
//! `/internal/v1/credentials/verify`, `/internal/v1/users/{id}`, `/internal/v1/users/resolve`
//! and `/internal/v1/users/{id}/revoke-tokens`, in nexus-user's wire types).
//!
//! Layout:
//! - [`settings`]: `[auth]`; [`clock`]: the injectable time source;
//! - [`domain`]: pure logic (TOTP, lockout table, secrets, envelope encryption);
//! - [`keys`]: signing keys on disk, JWKS; [`tokens`]: issuing token pairs;
//! - [`totp_secrets`]: TOTP secrets encrypted at rest, re-encrypted at start;
//! - [`kv`]: Redis state (refresh tokens, MFA challenges, counters);
//! - [`store`]: the SQL (MFA, API keys, policies, audit, sign-in addresses), transactions with
//!   their audit rows and outbox events (`PoliciesPublished`, `AccountSecurityEvent`);
//! - [`users`]: the nexus-user client and what auth reads from its account summary;
//! - [`access`]: who may call the admin endpoints (Cedar decisions);
//! - [`events`]: consumed events and their handlers; [`workers`]: every background loop,
//!   registered in one place;
//! - [`revocations`]: announcing revoked API keys to the gateways, and the recent marks;
//! - [`metrics`]: sign-in and refresh outcomes;
//! - [`routes`]: one handler per file; [`error`]: [`error::AuthError`].
//!
//! Architecture invariant: every secret the service hands out (refresh tokens, MFA challenges,
//! API keys, recovery codes) is stored only as a hash, and every comparison of secrets is
//! constant-time.

pub mod access;
pub mod clock;
pub mod domain;
pub mod error;
pub mod events;
pub mod keys;
pub mod kv;
pub mod metrics;
pub mod revocations;
pub mod routes;
pub mod settings;
pub mod store;
pub mod tokens;
pub mod totp_secrets;
pub mod users;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_policy::{LivePolicies, Policies, PolicySource};
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::keys::Signer;
use crate::kv::Kv;
use crate::kv::challenges::Challenges;
use crate::kv::refresh::RefreshStore;
use crate::kv::throttle::Throttle;
pub use crate::settings::AuthSettings;
use crate::store::Store;
use crate::users::UserClient;

/// The HMAC key of API keys and recovery codes (never printed).
#[derive(Clone)]
pub struct ServerSecret(Arc<Vec<u8>>);

impl ServerSecret {
    /// The key bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret([redacted])")
    }
}

/// The auth service.
#[derive(Debug)]
pub struct AuthService {
    /// The service's own `[auth]` section, validated at start.
    pub settings: AuthSettings,
    /// The `auth` schema's queries.
    pub store: Store,
    /// Signing keys.
    pub signer: Arc<Signer>,
    /// `iss` of issued tokens (runtime `tokens.issuer`).
    pub issuer: String,
    /// `aud` of issued tokens (runtime `tokens.audience`).
    pub audience: String,
    /// Refresh tokens.
    pub refresh: RefreshStore,
    /// MFA challenges.
    pub challenges: Challenges,
    /// Brute-force counters.
    pub throttle: Throttle,
    /// nexus-user.
    pub users: UserClient,
    /// The policy set in use (the runtime's, also registered as `web::Data<LivePolicies>`).
    pub policies: Arc<LivePolicies>,
    /// HMAC key.
    pub server_secret: ServerSecret,
    /// Counters.
    pub metrics: metrics::AuthMetrics,
    /// The bus (revocation announcements).
    pub bus: nexus_bus::Bus,
    /// The envelope keys of TOTP secrets.
    pub totp_cipher: Arc<domain::envelope::TotpCipher>,
}

/// A failed build step named `what`, keeping the error as its source.
fn build_error<E: Into<nexus_runtime::BoxError>>(
    what: &'static str,
) -> impl FnOnce(E) -> RuntimeError {
    move |error| RuntimeError::build(what, error)
}

impl Service for AuthService {
    const KIND: ServiceKind = ServiceKind::Auth;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = AuthSettings;

    async fn build(
        resources: &Resources,
        settings: &AuthSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let pool = resources.postgres()?.clone();
        let bus = resources.bus()?.clone();
        let signer = Signer::load(settings).map_err(build_error("signing keys"))?;
        resources.install_local_keys(&signer.key_set());
        let totp_cipher = keys::totp_cipher(settings).map_err(build_error("TOTP keys"))?;
        let server_secret = keys::server_secret(settings).map_err(build_error("server secret"))?;
        let store = Store::new(pool).map_err(build_error("store"))?;
        let policies = resources.policies().clone();
        load_policies(&store, &policies).await?;
        let client = nexus_client::ServiceClient::new(
            ServiceKind::User.binary_name(),
            &settings.user_url,
            resources.client_settings().clone(),
        )
        .map_err(build_error("user client"))?;
        let kv = Kv::new(bus.connection(), bus.key_prefix());
        let token_settings = resources.token_settings();
        let service = Self {
            settings: settings.clone(),
            signer: Arc::new(signer),
            issuer: token_settings.issuer.clone(),
            audience: token_settings.audience.clone(),
            refresh: RefreshStore::new(kv.clone(), settings.refresh_token_ttl),
            challenges: Challenges::new(
                kv.clone(),
                settings.mfa_challenge_ttl,
                settings.mfa_challenge_attempts,
            ),
            throttle: Throttle::new(kv, settings.lockout.clone(), settings.ip_limit.clone()),
            users: UserClient::new(client),
            policies,
            server_secret: ServerSecret(Arc::new(server_secret)),
            metrics: metrics::AuthMetrics::register(resources.metrics()),
            store,
            bus,
            totp_cipher: Arc::new(totp_cipher),
        };
        // Secrets in the clear (written before encryption) or under a key being rotated out.
        match service.reencrypt_totp_secrets().await {
            Ok(0) => {}
            Ok(rewritten) => {
                tracing::info!(rewritten, "Re-encrypted TOTP secrets under the active key.")
            }
            Err(error) => {
                tracing::error!(error = %error, "Re-encrypting TOTP secrets failed; they stay readable.")
            }
        }
        Ok(service)
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers::register(self, workers);
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::ApiDoc as utoipa::OpenApi>::openapi()
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        routes::configure(config);
    }
}

/// Seeds version 1 from the shipped policies when the table is empty, then installs the active
/// version in the process's [`LivePolicies`] (which the runtime starts with the shipped set as
/// revision 0).
async fn load_policies(store: &Store, live: &LivePolicies) -> Result<(), RuntimeError> {
    let shipped = PolicySource::shipped();
    let shipped_set = Policies::from_sources(&shipped).map_err(build_error("shipped policies"))?;
    store
        .seed_policies(shipped_set.version().as_str(), &shipped)
        .await
        .map_err(RuntimeError::Database)?;
    let active = store
        .active_policies()
        .await
        .map_err(RuntimeError::Database)?
        .ok_or_else(|| RuntimeError::build("policies", "no policy version after seeding"))?;
    let policies =
        Policies::from_sources(&active.sources).map_err(build_error("active policies"))?;
    live.replace(active.version, policies);
    Ok(())
}
