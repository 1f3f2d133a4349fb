//! The auth service's own metrics.
//!
//! - `nexus_auth_sign_ins_total{outcome}`: `succeeded`, `mfa_required`, `mfa_succeeded`,
//!   `failed` (wrong password or code), `throttled`, `locked`, `ip_limited`.
//! - `nexus_auth_refreshes_total{outcome}`: `rotated`, `reused` (family revoked), `invalid`.
//! - `nexus_auth_account_locks_total`: accounts (or unknown login names) locked after repeated
//!   failures.
//! - `nexus_auth_api_key_introspections_total{outcome}`: `active`, `unknown` (no such live
//!   key: read-only, nothing written), `holder_inactive`.

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::error::AuthError;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct AuthMetrics {
    sign_ins: Family<OutcomeLabels, Counter>,
    refreshes: Family<OutcomeLabels, Counter>,
    account_locks: Counter,
    introspections: Family<OutcomeLabels, Counter>,
}

impl AuthMetrics {
    /// Registers every family in `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let metrics = Self::default();
        registry.register_with(|registry| {
            registry.register(
                "nexus_auth_sign_ins",
                "Sign-in attempts by outcome",
                metrics.sign_ins.clone(),
            );
            registry.register(
                "nexus_auth_refreshes",
                "Refresh token presentations by outcome",
                metrics.refreshes.clone(),
            );
            registry.register(
                "nexus_auth_api_key_introspections",
                "API-key introspections by outcome",
                metrics.introspections.clone(),
            );
            registry.register(
                "nexus_auth_account_locks",
                "Login names locked after repeated failures",
                metrics.account_locks.clone(),
            );
        });
        metrics
    }

    /// Counts a sign-in step.
    pub fn sign_in(&self, outcome: &'static str) {
        self.sign_ins
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts a sign-in refused by the brute-force gates.
    pub fn sign_in_refused(&self, refusal: &AuthError) {
        self.sign_in(match refusal {
            AuthError::AccountLocked(_) => "locked",
            AuthError::IpRateLimited(_) => "ip_limited",
            _ => "throttled",
        });
    }

    /// Counts a refresh.
    pub fn refresh(&self, outcome: &'static str) {
        self.refreshes
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts an introspection.
    pub fn introspection(&self, outcome: &'static str) {
        self.introspections
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Counts a lock.
    pub fn account_locked(&self) {
        self.account_locks.inc();
    }
}
