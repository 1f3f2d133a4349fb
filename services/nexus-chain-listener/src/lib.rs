//! nexus-chain-listener.
//!
//! Owns: Chain checkpoints, confirmed blocks and logs, reorg rollback, and chain-to-domain events (schema `chain`).
//!
//! Does not own: It never sends transactions (nexus-bounty does); it only reads confirmed chain state.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The chain-listener service.
#[derive(Debug)]
pub struct ChainListenerService;

impl Service for ChainListenerService {
    const KIND: ServiceKind = ServiceKind::ChainListener;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("chain");
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
