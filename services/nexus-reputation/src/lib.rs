//! nexus-reputation: analysts' reputation: scores, trust levels, history and leaderboards (schema
//! `reputation`).
//!
//! Owns:
//! - the reputation history (every change with its reason: bounty, outcome, delta) and the scores
//!   derived from it, per analyst and per artifact kind, file type and family; the score rules
//!   themselves are pure functions in nexus-core
//! - trust levels and what each unlocks, and re-scoring when a file's verdict is later revised
//! - leaderboards per period and kind: Redis sorted sets rebuilt from PostgreSQL
//! - referral bonuses, recorded when the referred account's first bounty or assertion settles
//!
//! Does not own:
//! - bounties, stakes and payouts (the chain, through nexus-chain-listener's events, and nexus-
//!   bounty): it reacts, it never changes them
//! - accounts and referral codes (nexus-user)
//!
//! Layout (docs/SERVICE_TEMPLATE.md): the files exist before their content, so the issue that
//! builds this service fills them in instead of inventing a shape.
//! - [`settings`]: its section, `[reputation]`.
//! - [`error`]: [`ReputationError`](error::ReputationError), its codes and statuses.
//! - [`domain`]: pure rules, no I/O.
//! - [`store`]: the SQL of schema `reputation` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes.
//! - [`workers`]: its background loops, registered in one place.
//! - [`referrals`]: the referral-completion worker.
//! - [`judging`]: the file-type and re-judgement workers (what the chain facts alone cannot say).
//! - [`boards`]: the leaderboards' Redis sorted sets, rebuilt from PostgreSQL.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: every event is applied once (the inbox on the envelope id), so replaying
//! a stream changes nothing; Redis may be flushed at any time and the leaderboards come back from
//! PostgreSQL.
//!
//! Not built yet: a referral completing on the referred account's first *posted* bounty
//! resolving (only its first right assertion completes one), and the bonus in nexus-bounty's
//! earnings.

pub mod boards;
pub mod domain;
pub mod error;
pub mod events;
pub mod judging;
pub mod metrics;
pub mod referrals;
pub mod routes;
pub mod settings;
pub mod store;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use nexus_client::{AnalysisClient, ServiceClient, UserClient};

use crate::boards::Boards;
use crate::metrics::ReputationMetrics;
use crate::settings::ReputationSettings;
use crate::store::Store;

/// The reputation service: its store, settings and metrics, shared by handlers and workers.
#[derive(Debug)]
pub struct ReputationService {
    /// Schema `reputation` and its outbox.
    pub store: Store,
    /// `[reputation]`.
    pub settings: ReputationSettings,
    /// The service's own metrics.
    pub metrics: ReputationMetrics,
    /// The bus (the chain listener's events).
    pub bus: nexus_bus::Bus,
    /// The leaderboards in Redis.
    pub boards: Boards,
    /// nexus-user's internal API (which account a wallet is linked to).
    pub users: UserClient,
    /// nexus-analysis's internal API (a file's type and engine hint, for the file verdict).
    pub analysis: AnalysisClient,
}

impl Service for ReputationService {
    const KIND: ServiceKind = ServiceKind::Reputation;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = ReputationSettings;

    async fn build(
        resources: &Resources,
        settings: &ReputationSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        let metrics = ReputationMetrics::register(resources.metrics());
        let bus = resources.bus()?.clone();
        let boards = Boards::new(
            bus.connection(),
            bus.keys().namespace("reputation"),
            store.clone(),
            metrics.clone(),
        );
        let users = ServiceClient::new(
            ServiceKind::User.binary_name(),
            &settings.user_url,
            resources.client_settings().clone(),
        )
        .map_err(|error| RuntimeError::build("the nexus-user client", error))?;
        let analysis = ServiceClient::new(
            ServiceKind::Analysis.binary_name(),
            &settings.analysis_url,
            resources.client_settings().clone(),
        )
        .map_err(|error| RuntimeError::build("the nexus-analysis client", error))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics,
            bus,
            boards,
            users: UserClient::new(users),
            analysis: AnalysisClient::new(analysis),
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
