//! nexus-scanner.
//!
//! Owns: Smart-contract scanning (Solidity source and EVM bytecode), the rule catalogue and findings.
//!
//! Does not own: It never deploys or calls contracts on a live chain.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The scanner service.
#[derive(Debug)]
pub struct ScannerService;

impl Service for ScannerService {
    const KIND: ServiceKind = ServiceKind::Scanner;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("scanner");
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
