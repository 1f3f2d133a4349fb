//! The gateway's Prometheus metrics (served on the admin port's `/metrics`).
//!
//! - `nexus_gateway_upstream_refused_total{upstream}`: requests answered 503 by an open circuit.
//! - `nexus_gateway_upstream_retries_total{upstream}`: repeated attempts of idempotent requests.
//! - `nexus_gateway_auth_failures_total{reason}`: refused credentials (token codes, API keys).
//! - `nexus_gateway_authorization_denied_total{action}`: Cedar denials.
//! - `nexus_gateway_rate_limited_total{scope}`: 429s by the binding key (`ip`, `principal`).
//! - `nexus_gateway_rate_limit_fallback_total`: decisions made locally because Redis failed.
//! - `nexus_gateway_ws_connections`: open WebSocket connections (signed in or not).
//! - `nexus_gateway_ws_messages_in_total`, `nexus_gateway_ws_messages_out_total`.
//! - `nexus_gateway_ws_dropped_total{reason}`: connections closed by the hub (`slow_consumer`,
//!   `timed_out`, `auth_timeout`).
//! - `nexus_gateway_ws_auth_failures_total{reason}`.
//! - `nexus_gateway_ws_redis_subscriptions`: pub/sub subscriptions held by the hub.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabel {
    upstream: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabel {
    action: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScopeLabel {
    scope: String,
}

/// Every gateway metric; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct GatewayMetrics {
    upstream_refused: Family<UpstreamLabel, Counter>,
    upstream_retries: Family<UpstreamLabel, Counter>,
    auth_failures: Family<ReasonLabel, Counter>,
    denied: Family<ActionLabel, Counter>,
    rate_limited: Family<ScopeLabel, Counter>,
    rate_limit_fallback: Counter,
    /// Open WebSocket connections.
    pub ws_connections: Gauge,
    /// Messages received from WebSocket clients.
    pub ws_messages_in: Counter,
    /// Messages sent to WebSocket clients.
    pub ws_messages_out: Counter,
    /// Redis pub/sub subscriptions held by the hub (one per source stream in use).
    pub ws_redis_subscriptions: Gauge,
    ws_dropped: Family<ReasonLabel, Counter>,
    ws_auth_failures: Family<ReasonLabel, Counter>,
}

impl GatewayMetrics {
    /// Creates the metrics and registers them.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "nexus_gateway_upstream_refused",
            "Requests refused because the upstream's circuit is open",
            metrics.upstream_refused.clone(),
        );
        registry.register(
            "nexus_gateway_upstream_retries",
            "Repeated attempts of idempotent requests",
            metrics.upstream_retries.clone(),
        );
        registry.register(
            "nexus_gateway_auth_failures",
            "Refused credentials by reason",
            metrics.auth_failures.clone(),
        );
        registry.register(
            "nexus_gateway_authorization_denied",
            "Requests denied by the Cedar policies, by action",
            metrics.denied.clone(),
        );
        registry.register(
            "nexus_gateway_rate_limited",
            "Requests refused by the rate limiter, by binding key",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "nexus_gateway_rate_limit_fallback",
            "Rate-limit decisions made by the local limiter because Redis failed",
            metrics.rate_limit_fallback.clone(),
        );
        registry.register(
            "nexus_gateway_ws_connections",
            "Open WebSocket connections",
            metrics.ws_connections.clone(),
        );
        registry.register(
            "nexus_gateway_ws_messages_in",
            "Messages received from WebSocket clients",
            metrics.ws_messages_in.clone(),
        );
        registry.register(
            "nexus_gateway_ws_messages_out",
            "Messages sent to WebSocket clients",
            metrics.ws_messages_out.clone(),
        );
        registry.register(
            "nexus_gateway_ws_redis_subscriptions",
            "Redis pub/sub subscriptions held by the WebSocket hub",
            metrics.ws_redis_subscriptions.clone(),
        );
        registry.register(
            "nexus_gateway_ws_dropped",
            "WebSocket connections closed by the hub, by reason",
            metrics.ws_dropped.clone(),
        );
        registry.register(
            "nexus_gateway_ws_auth_failures",
            "Failed WebSocket sign-ins, by reason",
            metrics.ws_auth_failures.clone(),
        );
        metrics
    }

    /// An open circuit refused a request.
    pub fn upstream_refused(&self, upstream: &str) {
        self.upstream_refused
            .get_or_create(&UpstreamLabel {
                upstream: upstream.to_owned(),
            })
            .inc();
    }

    /// An idempotent request was retried.
    pub fn upstream_retried(&self, upstream: &str) {
        self.upstream_retries
            .get_or_create(&UpstreamLabel {
                upstream: upstream.to_owned(),
            })
            .inc();
    }

    /// A credential was refused.
    pub fn auth_failed(&self, reason: &str) {
        self.auth_failures
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// Cedar denied `action`.
    pub fn denied(&self, action: &str) {
        self.denied
            .get_or_create(&ActionLabel {
                action: action.to_owned(),
            })
            .inc();
    }

    /// A request was rate limited by the `scope` key.
    pub fn rate_limited(&self, scope: &str) {
        self.rate_limited
            .get_or_create(&ScopeLabel {
                scope: scope.to_owned(),
            })
            .inc();
    }

    /// The local limiter decided because Redis failed.
    pub fn rate_limit_fallback(&self) {
        self.rate_limit_fallback.inc();
    }

    /// The hub closed a connection.
    pub fn ws_dropped(&self, reason: &str) {
        self.ws_dropped
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// A WebSocket sign-in failed.
    pub fn ws_auth_failed(&self, reason: &str) {
        self.ws_auth_failures
            .get_or_create(&ReasonLabel {
                reason: reason.to_owned(),
            })
            .inc();
    }
}
