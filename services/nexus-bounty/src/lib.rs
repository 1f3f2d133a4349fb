//! nexus-bounty.
//!
//! Owns: The bounty lifecycle, EIP-712 intents relayed to the chain, the transaction queue, expiry, resolution, disputes and comments.
//!
//! Does not own: It never holds user keys, and only confirmed chain state (from nexus-chain-listener) drives payouts.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The bounty service.
#[derive(Debug)]
pub struct BountyService;

impl Service for BountyService {
    const KIND: ServiceKind = ServiceKind::Bounty;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("bounty");
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
