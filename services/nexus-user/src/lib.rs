//! nexus-user: the accounts of the platform and what hangs off them.
//!
//! Owns: accounts, profiles, password hashes, roles and account status, token revocation marks
//! of accounts, wallet linking (SIWE), Ed25519 WebSocket keys and referrals (schema `users`).
//!
//! Does not own: it does not issue tokens or decide policies (nexus-auth does); it answers
//! auth's credential checks and lookups over `/internal/v1/*` (docs/INTERNAL_API.md), in the
//! wire types of `nexus_proto::user`.
//!
//! Layout:
//! - [`settings`]: `[user]` (Argon2id parameters, SIWE challenge, limits).
//! - [`domain`]: pure rules (email, username, password policy, profile bounds, referral
//!   codes, the EIP-4361 parser, Ed25519 key vetting).
//! - [`hashing`]: Argon2id on the blocking pool, dummy-hash verification, rehash on login.
//! - [`challenges`]: single-use SIWE nonces in Redis; [`ws_key_challenges`]: single-use
//!   challenges a WebSocket key signs to be registered; [`credential_limits`]: attempt limits
//!   of the internal credential check.
//! - [`metrics`]: hashing time, credential-check outcomes, rehashes.
//! - [`store`]: the SQL and the outbox events, one transaction per change.
//! - [`revocations`]: announcing token revocation marks, and the recent ones.
//! - [`events`]: consumed events (none yet); [`workers`]: every background loop, registered in
//!   one place.
//! - [`routes`]: one handler per file.
//! - [`error`]: [`UserError`](error::UserError), its codes and statuses.
//!
//! Architecture invariant: passwords and their hashes never leave this service (the
//! credential check answers yes/no with the account summary) and are never logged.

pub mod challenges;
pub mod credential_limits;
pub mod domain;
pub mod error;
pub mod events;
pub mod hashing;
pub mod metrics;
pub mod revocations;
pub mod routes;
pub mod settings;
pub mod store;
pub mod workers;
pub mod ws_key_challenges;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::challenges::ChallengeStore;
use crate::credential_limits::CredentialLimiter;
use crate::hashing::PasswordHasher;
use crate::metrics::UserMetrics;
use crate::settings::UserSettings;
use crate::store::Store;
use crate::ws_key_challenges::WsKeyChallenges;

/// The user service: its store, password hasher, challenge store and settings.
#[derive(Debug)]
pub struct UserService {
    /// Accounts and the rest, in PostgreSQL.
    pub store: Store,
    /// Argon2id hashing.
    pub hasher: PasswordHasher,
    /// SIWE nonces in Redis.
    pub challenges: ChallengeStore,
    /// `[user]`.
    pub settings: UserSettings,
    /// The service's metrics.
    pub metrics: UserMetrics,
    /// Proof-of-possession challenges for WebSocket keys, in Redis.
    pub ws_key_challenges: WsKeyChallenges,
    /// Attempt limits of the internal credential check, in Redis.
    pub credential_limits: CredentialLimiter,
    /// The bus (revocation announcements).
    pub bus: nexus_bus::Bus,
}

impl Service for UserService {
    const KIND: ServiceKind = ServiceKind::User;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = UserSettings;

    async fn build(
        resources: &Resources,
        settings: &UserSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone()).map_err(build_failed)?;
        let metrics = UserMetrics::register(resources.metrics());
        let hasher = PasswordHasher::new(&settings.password_hash, metrics.clone())
            .await
            .map_err(build_failed)?;
        if settings.password_hash.allow_below_minimum {
            tracing::warn!("Argon2 parameters below the OWASP minimum are allowed (tests only).");
        }
        let challenges = ChallengeStore::new(resources.bus()?);
        let ws_key_challenges =
            WsKeyChallenges::new(resources.bus()?, settings.ws_key_challenge.ttl);
        let credential_limits =
            CredentialLimiter::new(resources.bus()?, settings.credential_limits.clone());
        let bus = resources.bus()?.clone();
        Ok(Self {
            store,
            hasher,
            challenges,
            settings: settings.clone(),
            metrics,
            ws_key_challenges,
            credential_limits,
            bus,
        })
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers::register(self, workers);
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::ApiDoc as utoipa::OpenApi>::openapi()
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        routes::configure(config, self.settings.limits.json_body_bytes);
    }
}

fn build_failed(error: error::UserError) -> RuntimeError {
    RuntimeError::build("the user service's state", error)
}
