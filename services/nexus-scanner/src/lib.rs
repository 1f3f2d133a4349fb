//! nexus-scanner: smart-contract scanning as a service: scans of Solidity sources, deployed
//! addresses or bytecode, their findings and reports (schema `scanner`).
//!
//! Owns:
//! - scans (Solidity sources, a deployed address with its chain id, or raw bytecode), queued and
//!   run by workers like analysis jobs, with progress on the WebSocket
//! - findings and reports (JSON, SARIF, HTML, PDF), and the chain confirmations of findings a
//!   transaction can prove
//! - the rule catalogue: the platform's rules, readable by all, and users' custom rules, owner-
//!   scoped
//! - automatic scans of contracts that bounties are about
//!
//! Does not own:
//! - the scanning itself: the scanner engine is its own crate (front end, detectors, bytecode),
//!   embedded here and in `nexus scan`, as nexus-engine is for files
//! - files (nexus-analysis) and bounties (nexus-bounty); it sends no transaction to the platform's
//!   chain (confirmation runs on a scratch chain of its own)
//!
//! Layout (docs/SERVICE_TEMPLATE.md): the files exist before their content, so the issue that
//! builds this service fills them in instead of inventing a shape.
//! - [`settings`]: its section, `[scanner]`.
//! - [`error`]: [`ScannerError`](error::ScannerError), its codes and statuses.
//! - [`domain`]: pure rules, no I/O.
//! - [`store`]: the SQL of schema `scanner` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes.
//! - [`workers`]: its background loops, registered in one place.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: a scan is bounded (size, files, parse and confirmation time) and runs
//! off the HTTP threads; a job is neither lost nor run to two results (the analysis job guarantees,
//! docs/ARCHITECTURE.md).
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issue,
//! and no placeholder endpoint pretends to work before then.

pub mod domain;
pub mod error;
pub mod events;
pub mod metrics;
pub mod routes;
pub mod settings;
pub mod store;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::metrics::ScannerMetrics;
use crate::settings::ScannerSettings;
use crate::store::Store;

/// The scanner service: its store, settings and metrics, shared by handlers and workers.
#[derive(Debug)]
pub struct ScannerService {
    /// Schema `scanner` and its outbox.
    pub store: Store,
    /// `[scanner]`.
    pub settings: ScannerSettings,
    /// The service's own metrics.
    pub metrics: ScannerMetrics,
}

impl Service for ScannerService {
    const KIND: ServiceKind = ServiceKind::Scanner;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = ScannerSettings;

    async fn build(
        resources: &Resources,
        settings: &ScannerSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics: ScannerMetrics::register(resources.metrics()),
        })
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
