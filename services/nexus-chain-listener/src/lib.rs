//! nexus-chain-listener: confirmed, reorg-safe chain state in PostgreSQL, and the typed events
//! other services act on (schema `chain`).
//!
//! Owns:
//! - the checkpoint per chain, blocks (number, hash, parent hash) and decoded logs of the
//!   platform's contracts, keyed by (chain id, block hash, log index), so replaying a range is
//!   harmless
//! - reorg handling: a parent-hash mismatch walks back to the common ancestor and undoes what
//!   orphaned blocks produced, in one transaction
//! - projections of bounties, assertions, stakes and governance proposals as the chain has them,
//!   and the chain → domain events (`BountyOpened`, `BountyResolved`, `Slashed`, ...) published
//!   through its outbox
//! - the read API of chain facts: status (head, confirmed height, lag, last reorg), governed
//!   parameters, accounts
//!
//! Does not own:
//! - sending transactions: nexus-bounty relays them; this service only reads
//! - bounty decisions beyond what the chain says (nexus-bounty builds its read model from these
//!   events)
//!
//! Layout (docs/SERVICE_TEMPLATE.md): the files exist before their content, so the issue that
//! builds this service fills them in instead of inventing a shape.
//! - [`settings`]: its section, `[chain_listener]`.
//! - [`error`]: [`ChainListenerError`](error::ChainListenerError), its codes and statuses.
//! - [`domain`]: pure rules, no I/O.
//! - [`store`]: the SQL of schema `chain` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes.
//! - [`workers`]: its background loops, registered in one place.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: only confirmed logs become events; a reorg deeper than the configured
//! maximum stops ingestion, turns `/ready` red with the reason and corrupts nothing.
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

use crate::metrics::ChainListenerMetrics;
use crate::settings::ChainListenerSettings;
use crate::store::Store;

/// The chain listener: its store, settings and metrics, shared by handlers and workers.
#[derive(Debug)]
pub struct ChainListenerService {
    /// Schema `chain` and its outbox.
    pub store: Store,
    /// `[chain_listener]`.
    pub settings: ChainListenerSettings,
    /// The service's own metrics.
    pub metrics: ChainListenerMetrics,
}

impl Service for ChainListenerService {
    const KIND: ServiceKind = ServiceKind::ChainListener;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = ChainListenerSettings;

    async fn build(
        resources: &Resources,
        settings: &ChainListenerSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics: ChainListenerMetrics::register(resources.metrics()),
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
