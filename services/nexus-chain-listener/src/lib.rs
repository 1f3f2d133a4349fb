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
//! Layout (docs/SERVICE_TEMPLATE.md; docs/CHAIN_LISTENER.md tells the whole story):
//! - [`settings`]: its section, `[chain_listener]` (with the shared `[chain_listener.chain]`).
//! - [`error`]: [`ChainListenerError`](error::ChainListenerError), its codes and statuses.
//! - [`domain`]: pure rules: range planning, confirmation, the reorg walk back, log decoding,
//!   settlement.
//! - [`rpc`]: [`ChainReader`](rpc::ChainReader), the node as the follower reads it.
//! - [`follower`]: [`Follower`](follower::Follower), one step of following the chain, and what it
//!   knows for the status and `/ready`.
//! - [`store`]: the SQL of schema `chain` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes (nothing: the chain is its input).
//! - [`workers`]: the follower loop.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: only confirmed logs become events; a reorg deeper than the configured
//! maximum stops ingestion, turns `/ready` red with the reason and corrupts nothing.

pub mod domain;
pub mod error;
pub mod events;
pub mod follower;
pub mod metrics;
pub mod routes;
pub mod rpc;
pub mod settings;
pub mod store;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use futures_util::future::BoxFuture;
use nexus_chain::ready::ChainDependency;
use nexus_config::ServiceKind;
use nexus_http::health::ReadinessCheck;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::follower::Follower;
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
    /// The chain follower and what it knows.
    pub follower: Arc<Follower>,
}

/// `/ready`'s `chain` check: red while ingestion is halted (with the reason), and otherwise the
/// shared chain dependency check (`nexus_chain::ready`: deployments file, RPC answering in time,
/// chain id, contracts deployed), so the service stays up and says why instead of crash-looping.
struct ChainCheck {
    follower: Arc<Follower>,
    dependency: ChainDependency,
}

impl ReadinessCheck for ChainCheck {
    fn name(&self) -> &'static str {
        nexus_chain::ready::DEPENDENCY_NAME
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let halted = self.follower.state().halted;
        Box::pin(async move {
            if let Some(reason) = halted {
                return Err(format!("ingestion halted: {reason}"));
            }
            self.dependency.probe().await
        })
    }
}

impl Service for ChainListenerService {
    const KIND: ServiceKind = ServiceKind::ChainListener;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = ChainListenerSettings;

    async fn build(
        resources: &Resources,
        settings: &ChainListenerSettings,
        setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        let follower = Arc::new(Follower::new(settings));
        let dependency = ChainDependency::new(&settings.chain)
            .map_err(|error| RuntimeError::build("the chain readiness check", error))?;
        setup.readiness(Arc::new(ChainCheck {
            follower: Arc::clone(&follower),
            dependency,
        }));
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics: resources
                .metrics()
                .register_with(ChainListenerMetrics::register),
            follower,
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
