//! nexus-bounty: the bounty marketplace: bounties on files, URLs and contracts, the EIP-712 intents
//! users sign, relayed to the chain (schema `bounty`).
//!
//! Owns:
//! - bounties and their life cycle (draft → pending → open → revealing → resolving → resolved |
//!   disputed → decided; expired → refunded), as a read model built from confirmed chain events;
//!   the state machine itself lives in nexus-core
//! - the artifact a bounty is about (a stored file, a URL or a contract) and the checks on it
//! - the EIP-712 typed data users sign and the relayer that submits it: the transaction queue, one
//!   sender per relayer key with its own nonces, fees, retries and a circuit breaker on the RPC
//! - the scheduler that resolves, refunds, slashes and pays the treasury after the windows close
//!   and releases cooled-down unstakes, and comments on bounties
//!
//! Does not own:
//! - user keys: it never holds one; users sign, it relays (and pays the gas)
//! - chain state: a bounty changes state only on a confirmed chain event from nexus-chain-listener,
//!   never on its own guess
//! - wallets (nexus-user), files and their analyses (nexus-analysis, asked over REST), reputation
//!   (nexus-reputation)
//!
//! Layout (docs/SERVICE_TEMPLATE.md): the files exist before their content, so the issue that
//! builds this service fills them in instead of inventing a shape.
//! - [`settings`]: its section, `[bounty]`.
//! - [`error`]: [`BountyError`](error::BountyError), its codes and statuses.
//! - [`domain`]: pure rules, no I/O.
//! - [`chain`]: what handlers read from the chain (deployment, nonces, parameters, block time)
//!   and `/ready`'s chain dependency.
//! - [`wallets`]: whose wallet signed (nexus-user's links).
//! - [`store`]: the SQL of schema `bounty` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes.
//! - [`scheduler`]: queues the settlement calls anyone may make when windows close.
//! - [`workers`]: its background loops, registered in one place.
//! - [`relayer`]: sends the queued transactions with the platform's relayer key.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: a transaction is never sent twice with different nonces and an intent is
//! never executed twice (the contract's nonces plus idempotency in the queue); several replicas may
//! run, exactly one sends per relayer key.
//!
//! Built (docs/BOUNTIES.md; its "Not built yet" names what is left): the life cycle in
//! nexus-core, `bounty.bounties` and its reads, posting a bounty (typed data to sign, checks,
//! bounty + relayer job in one transaction), the analysts' relayed actions (stake, commit, reveal,
//! dispute, resolve, claim, refund), the read model fed by the chain listener's events and moved
//! by the chain clock, own assertions and earnings, comments, the `EarningsChanged` feed, the
//! relayer with its queue and the scheduler.

pub mod chain;
pub mod domain;
pub mod error;
pub mod events;
pub mod metrics;
pub mod relayer;
pub mod routes;
pub mod scheduler;
pub mod settings;
pub mod store;
pub mod wallets;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use nexus_client::{AnalysisClient, ServiceClient, UserClient};

use crate::chain::{BountyChain, ChainReadiness};
use crate::metrics::BountyMetrics;
use crate::settings::BountySettings;
use crate::store::Store;

/// The bounty service: its store, settings and metrics, shared by handlers and workers.
#[derive(Debug)]
pub struct BountyService {
    /// Schema `bounty` and its outbox.
    pub store: Store,
    /// `[bounty]`.
    pub settings: BountySettings,
    /// The service's own metrics.
    pub metrics: BountyMetrics,
    /// The bus (the chain listener's events).
    pub bus: nexus_bus::Bus,
    /// The chain, read by the handlers (writes are queued for the relayer).
    pub chain: Arc<BountyChain>,
    /// nexus-user's internal API (linked wallets).
    pub users: UserClient,
    /// nexus-analysis's internal API (file artifacts).
    pub analysis: AnalysisClient,
}

impl Service for BountyService {
    const KIND: ServiceKind = ServiceKind::Bounty;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = BountySettings;

    async fn build(
        resources: &Resources,
        settings: &BountySettings,
        setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        let chain = BountyChain::new(&settings.chain)
            .map_err(|error| RuntimeError::build("the chain reader", error))?;
        let dependency = nexus_chain::ready::ChainDependency::new(&settings.chain)
            .map_err(|error| RuntimeError::build("the chain readiness check", error))?;
        setup.readiness(Arc::new(ChainReadiness(Arc::new(dependency))));
        let client = |kind: ServiceKind, url: &str| {
            ServiceClient::new(kind.binary_name(), url, resources.client_settings().clone())
                .map_err(|error| RuntimeError::build("a service client", error))
        };
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics: BountyMetrics::register(resources.metrics()),
            bus: resources.bus()?.clone(),
            chain: Arc::new(chain),
            users: UserClient::new(client(ServiceKind::User, &settings.user_url)?),
            analysis: AnalysisClient::new(client(ServiceKind::Analysis, &settings.analysis_url)?),
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
