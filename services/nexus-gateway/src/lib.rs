//! nexus-gateway.
//!
//! Owns: The public entry point: `/api/v1/*` routed to the owning services, JWT and API-key authentication, Cedar policy, Redis rate limits, CORS and the `/ws` hub.
//!
//! Does not own: It owns no PostgreSQL schema and no domain data: every request is answered by the service that owns the data.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The gateway service.
#[derive(Debug)]
pub struct GatewayService;

impl Service for GatewayService {
    const KIND: ServiceKind = ServiceKind::Gateway;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Redis];
    const SCHEMA: Option<&'static str> = None;
    type Settings = NoSettings;

    async fn build(
        _resources: &Resources,
        _settings: &NoSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        Ok(Self)
    }

    fn routes(&self, _config: &mut web::ServiceConfig) {}
}
