//! nexus-reputation.
//!
//! Owns: Reputation events and scores, trust levels and leaderboards (Redis sorted sets backed by PostgreSQL).
//!
//! Does not own: It reacts to events; it never changes bounties or stakes.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The reputation service.
#[derive(Debug)]
pub struct ReputationService;

impl Service for ReputationService {
    const KIND: ServiceKind = ServiceKind::Reputation;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("reputation");
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
