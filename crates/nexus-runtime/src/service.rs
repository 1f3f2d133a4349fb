//! What a service implements, and what the runtime hands it while it is built.

use std::future::Future;
use std::sync::Arc;

use actix_web::web;
use nexus_bus::Bus;
use nexus_client::ClientSettings;
use nexus_config::{ServiceKind, Validate};
use nexus_http::ReadinessCheck;
use nexus_http::token::{KeySet, TokenValidator};
use nexus_policy::LivePolicies;
use nexus_telemetry::MetricsRegistry;
use serde::de::DeserializeOwned;
use sqlx::PgPool;

use crate::error::RuntimeError;
use crate::tokens::{TokenKeys, TokenSettings};
use crate::workers::Workers;

/// An external system a service cannot serve without; each is probed by `/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// PostgreSQL (the service's own schema, migrations applied at start).
    Postgres,
    /// Redis (bus, caches, rate limits).
    Redis,
}

/// One Nexus service: its identity, dependencies, settings, state and routes.
///
/// The runtime calls [`Service::build`] once, hands the result as an `Arc<Self>` to
/// [`Service::workers`] and serves the same allocation as `web::Data<Self>` (so handlers take
/// `web::Data<MyService>`), and calls [`Service::routes`] once per HTTP worker thread. `/health`, `/ready`, `/metrics`, JSON errors, request ids and metrics are added by the
/// runtime; a service mounts only its own endpoints.
pub trait Service: Sized + Send + Sync + 'static {
    /// Which of the nine services this is (name, ports, config section).
    const KIND: ServiceKind;
    /// Dependencies the runtime connects before `build` and probes in `/ready`.
    const DEPENDENCIES: &'static [Dependency];
    /// The PostgreSQL schema the service owns; its outbox is relayed to Redis when set.
    const SCHEMA: Option<&'static str>;
    /// The service's own settings section.
    type Settings: DeserializeOwned
        + Validate
        + Default
        + Clone
        + std::fmt::Debug
        + Send
        + Sync
        + 'static;

    /// Builds the service's state from the connected resources; may register extra readiness
    /// checks on `setup`.
    fn build(
        resources: &Resources,
        settings: &Self::Settings,
        setup: &mut Setup,
    ) -> impl Future<Output = Result<Self, RuntimeError>> + Send;

    /// Registers the service's background loops, in one place (the service's `workers.rs`).
    /// Called once, right after [`Service::build`], with the very `Arc` the handlers see as
    /// `web::Data<Self>`, so a worker shares the service's state instead of pieces cloned out
    /// of it. The workers start once the listeners are bound. The default registers none.
    fn workers(self: Arc<Self>, workers: &mut Workers) {
        let _ = (self, workers);
    }

    /// Mounts the service's routes. Declare each path with `web::resource(...)` so a wrong
    /// method is a 405.
    fn routes(&self, config: &mut web::ServiceConfig);

    /// The service's public API as OpenAPI 3.1 (usually `ApiDoc::openapi()` from a
    /// `#[derive(utoipa::OpenApi)]`), served at `GET /openapi.json`; the gateway merges every
    /// service's document into `/api/openapi.json`. Paths are the service's own (`/v1/...`);
    /// `/internal/...` paths are left out. The default is an empty document.
    fn openapi() -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApiBuilder::new()
            .info(
                utoipa::openapi::InfoBuilder::new()
                    .title(Self::KIND.binary_name())
                    .version(env!("CARGO_PKG_VERSION")),
            )
            .build()
    }
}

/// Connected dependencies and process-wide registries, handed to [`Service::build`].
#[derive(Debug, Clone)]
pub struct Resources {
    pub(crate) kind: ServiceKind,
    pub(crate) postgres: Option<PgPool>,
    pub(crate) bus: Option<Bus>,
    pub(crate) metrics: MetricsRegistry,
    pub(crate) client_settings: ClientSettings,
    pub(crate) token_settings: TokenSettings,
    pub(crate) token_keys: TokenKeys,
    pub(crate) policies: Arc<LivePolicies>,
}

impl Resources {
    /// The service this process runs.
    pub fn kind(&self) -> ServiceKind {
        self.kind
    }

    /// The PostgreSQL pool (declared dependency [`Dependency::Postgres`]).
    pub fn postgres(&self) -> Result<&PgPool, RuntimeError> {
        self.postgres
            .as_ref()
            .ok_or(RuntimeError::UndeclaredDependency("postgres"))
    }

    /// The Redis bus (declared dependency [`Dependency::Redis`]).
    pub fn bus(&self) -> Result<&Bus, RuntimeError> {
        self.bus
            .as_ref()
            .ok_or(RuntimeError::UndeclaredDependency("redis"))
    }

    /// The process's metrics registry; register service metrics here.
    pub fn metrics(&self) -> &MetricsRegistry {
        &self.metrics
    }

    /// Settings for typed clients of other services.
    pub fn client_settings(&self) -> &ClientSettings {
        &self.client_settings
    }

    /// What access tokens must say (`iss`, `aud`, leeway); the auth service signs with it.
    pub fn token_settings(&self) -> &TokenSettings {
        &self.token_settings
    }

    /// The process's access-token validator, also registered as `web::Data<TokenValidator>`
    /// so handlers can take `nexus_http::token::Authenticated`.
    pub fn token_validator(&self) -> &TokenValidator {
        &self.token_keys.validator
    }

    /// The Cedar policies this process decides with (shipped ones until the published set
    /// arrives; kept current by the `policy_sync` worker), also registered as
    /// `web::Data<LivePolicies>`. The auth service replaces them itself.
    pub fn policies(&self) -> &Arc<LivePolicies> {
        &self.policies
    }

    /// Installs keys this process holds itself (the auth service's own public keys), next to
    /// the configured ones; replaces keys installed earlier.
    pub fn install_local_keys(&self, keys: &KeySet) {
        self.token_keys.install(keys);
    }
}

/// Extra readiness checks a service registers while it is built (its background workers go
/// through [`Service::workers`]).
#[derive(Default)]
pub struct Setup {
    pub(crate) checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("checks", &self.checks.len())
            .finish()
    }
}

impl Setup {
    /// Adds a dependency probe to `/ready` (e.g. an Ethereum RPC node).
    pub fn readiness(&mut self, check: Arc<dyn ReadinessCheck>) {
        self.checks.push(check);
    }
}
