//! nexus-gateway.
//!
//! Owns: the public entry point. `/api/v1/*` is routed by a prefix table to the owning
//! services (streamed both ways, per-route timeouts, retries of idempotent requests, a circuit
//! breaker per upstream), after header hygiene, authentication (bearer JWTs checked locally,
//! API keys introspected by nexus-auth, guests), Redis rate limits and Cedar decisions; CORS and
//! security headers on every answer; the `/ws` hub.
//!
//! Does not own: any PostgreSQL schema or domain data. Every request is answered by the service
//! that owns the data; `/internal/*` paths are never routed.
//!
//! Layout:
//! - [`settings`]: `[gateway]` (upstreams, route table, caches, limits, CORS, WebSocket hub).
//! - [`domain`]: pure logic: route matching, header hygiene, GCRA, route → Cedar action, the
//!   Ed25519 WebSocket sign-in check.
//! - [`auth`]: who is calling; [`ratelimit`]: Redis GCRA with a local fallback;
//!   [`upstream`]: the connection pool, breakers and retries.
//! - [`routes`]: the proxy, `/ws`, presence, the merged API document (`routes::openapi`);
//!   [`ws`]: the hub (topics, fan-out, presence).
//! - [`events`]: the streams the hub relays to WebSocket topics (it consumes no event itself).
//! - [`workers`]: every background loop (revocations, their evictions, the WebSocket hub),
//!   registered in one place with the service handed over.
//! - [`error`]: [`GatewayError`](error::GatewayError) with stable codes; [`metrics`].
//!
//! Architecture invariant: the gateway holds no domain data and makes no domain decision of its
//! own: it authenticates, asks the live Cedar policies, limits and forwards; every answer about
//! an object comes from the service that owns it, which authorizes again.

pub mod auth;
pub mod domain;
pub mod error;
pub mod events;
pub mod metrics;
pub mod ratelimit;
pub mod routes;
pub mod settings;
pub mod upstream;
pub mod workers;
pub mod ws;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::web;
use nexus_bus::Bus;
use nexus_client::ServiceClient;
use nexus_config::ServiceKind;
use nexus_policy::{DecisionCache, LivePolicies};
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::auth::Authenticator;
use crate::domain::routing::{Route, RouteTable};
use crate::metrics::GatewayMetrics;
use crate::ratelimit::RateLimiter;
use crate::settings::GatewaySettings;
use crate::upstream::{Forwarder, Upstream};
use crate::ws::hub::Hub;
use crate::ws::topics::TopicStreams;

pub use settings::GatewaySettings as Settings;

/// The gateway's own Redis keys (rate limits, WebSocket nonces, the engines' presence) live in
/// `nexus:gateway:` (see `nexus_bus::RedisKeys`).
pub const REDIS_NAMESPACE: &str = "gateway";

/// Most Cedar decisions remembered at once (a few hundred bytes each).
const DECISION_CACHE_ENTRIES: usize = 20_000;

/// The gateway service and the state its handlers share.
#[derive(Debug)]
pub struct GatewayService {
    /// The settings it was built with.
    pub settings: GatewaySettings,
    routes: RouteTable,
    upstreams: Vec<Upstream>,
    forwarder: Forwarder,
    authenticator: Authenticator,
    /// The published Cedar policies, kept current by the runtime.
    policies: Arc<LivePolicies>,
    /// Decisions remembered per policy revision (exact, see `nexus_policy::DecisionCache`).
    decisions: DecisionCache,
    limiter: RateLimiter,
    bus: Bus,
    metrics: GatewayMetrics,
    hub: Hub,
    user_client: ServiceClient,
    openapi: routes::openapi::MergedSpec,
}

impl Service for GatewayService {
    const KIND: ServiceKind = ServiceKind::Gateway;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Redis];
    const SCHEMA: Option<&'static str> = None;
    type Settings = GatewaySettings;

    async fn build(
        resources: &Resources,
        settings: &GatewaySettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let metrics = resources.metrics().register_with(GatewayMetrics::register);
        let bus = resources.bus()?.clone();
        let mut index = HashMap::new();
        let mut upstreams = Vec::new();
        for (name, url) in &settings.upstreams {
            index.insert(name.clone(), upstreams.len());
            upstreams.push(
                Upstream::new(
                    name,
                    url,
                    settings.breaker_failure_threshold,
                    settings.breaker_open_duration,
                )
                .map_err(|problem| RuntimeError::build("upstreams", problem))?,
            );
        }
        let routes = RouteTable::new(
            settings
                .routes
                .iter()
                .filter_map(|route| {
                    Some(Route {
                        prefix: route.prefix.clone(),
                        upstream: *index.get(&route.upstream)?,
                        timeout: route.timeout.unwrap_or(settings.default_timeout),
                        max_body_bytes: route
                            .max_body_bytes
                            .unwrap_or(settings.default_max_body_bytes),
                    })
                })
                .collect(),
        );
        let forwarder = Forwarder::new(settings.read_timeout, settings.retries, metrics.clone())
            .map_err(|error| RuntimeError::build("HTTP client", error))?;
        let client = |name: &str, service: &str| {
            let url = settings.upstreams.get(name).ok_or_else(|| {
                RuntimeError::build("upstreams", format!("upstream {name:?} is not configured"))
            })?;
            ServiceClient::new(service, url.as_str(), resources.client_settings().clone())
                .map_err(|error| RuntimeError::build(format!("{service} client"), error))
        };
        let revocations = nexus_runtime::revocation::Revocations::new(settings.revocation.clone());
        // Read the marks before serving, so a restarted gateway never accepts a revoked token.
        if let Err(error) = revocations.resync(&bus).await {
            tracing::warn!(error = %error, "Reading the revocation list at start failed; signed-in requests are refused until it succeeds.");
        }
        let authenticator = Authenticator::new(
            resources.token_validator().clone(),
            client(&settings.auth_upstream, "nexus-auth")?,
            settings.api_key_cache_ttl,
            settings.api_key_cache_entries,
            revocations.clone(),
        );
        let user_client = client(&settings.user_upstream, "nexus-user")?;
        let limiter = RateLimiter::new(settings.rate_limit.clone(), bus.clone(), metrics.clone());
        let streams = TopicStreams {
            bounty: settings.ws.bounty_streams.clone(),
            analysis: settings.ws.analysis_streams.clone(),
            user: settings.ws.user_streams.clone(),
            leaderboard: settings.ws.leaderboard_streams.clone(),
        };
        // A live engine's record is at most one client timeout plus two flushes old.
        let hub = Hub::new(
            bus.clone(),
            metrics.clone(),
            streams,
            settings.ws.heartbeat_interval,
            settings.ws.client_timeout + settings.ws.heartbeat_interval * 2,
        );
        Ok(Self {
            settings: settings.clone(),
            routes,
            upstreams,
            forwarder,
            authenticator,
            policies: resources.policies().clone(),
            decisions: DecisionCache::new(DECISION_CACHE_ENTRIES),
            limiter,
            bus,
            metrics,
            hub,
            user_client,
            openapi: routes::openapi::MergedSpec::default(),
        })
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers::register(self, workers);
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::GatewayApi as utoipa::OpenApi>::openapi()
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        routes::configure(config, &self.settings);
    }
}
