//! The user service's own metrics.
//!
//! - `nexus_user_password_hash_seconds{operation}`: time of one Argon2id `hash` or `verify`
//!   on the blocking pool (after a concurrency permit was obtained).
//! - `nexus_user_password_hash_wait_seconds`: time spent waiting for a permit (queueing
//!   under load shows here first).
//! - `nexus_user_credential_checks_total{outcome}`: `accepted`, `rejected`, `disabled`.
//! - `nexus_user_password_rehashes_total`: hashes upgraded to the configured parameters.

use std::time::Duration;

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type HistogramFamily = Family<OperationLabels, Histogram, fn() -> Histogram>;

fn seconds_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ])
}

/// How a credential check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialOutcome {
    /// Login and password matched an active account.
    Accepted,
    /// Wrong login or password.
    Rejected,
    /// The password matched a disabled account.
    Disabled,
}

impl CredentialOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Disabled => "disabled",
        }
    }
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone)]
pub struct UserMetrics {
    hash_seconds: HistogramFamily,
    hash_wait_seconds: Histogram,
    credential_checks: Family<OutcomeLabels, Counter>,
    rehashes: Counter,
}

impl Default for UserMetrics {
    fn default() -> Self {
        Self {
            hash_seconds: HistogramFamily::new_with_constructor(seconds_histogram),
            hash_wait_seconds: seconds_histogram(),
            credential_checks: Family::default(),
            rehashes: Counter::default(),
        }
    }
}

impl UserMetrics {
    /// Registers every family in `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let metrics = Self::default();
        registry.register_with(|registry| {
            registry.register(
                "nexus_user_password_hash_seconds",
                "Time of one Argon2id hash or verification",
                metrics.hash_seconds.clone(),
            );
            registry.register(
                "nexus_user_password_hash_wait_seconds",
                "Time waiting for a password hashing permit",
                metrics.hash_wait_seconds.clone(),
            );
            registry.register(
                "nexus_user_credential_checks",
                "Credential checks by outcome",
                metrics.credential_checks.clone(),
            );
            registry.register(
                "nexus_user_password_rehashes",
                "Password hashes upgraded to the configured Argon2id parameters",
                metrics.rehashes.clone(),
            );
        });
        metrics
    }

    /// Records one Argon2 operation (`hash` or `verify`).
    pub fn observe_hash(&self, operation: &'static str, elapsed: Duration) {
        self.hash_seconds
            .get_or_create(&OperationLabels { operation })
            .observe(elapsed.as_secs_f64());
    }

    /// Records the wait for a hashing permit.
    pub fn observe_wait(&self, elapsed: Duration) {
        self.hash_wait_seconds.observe(elapsed.as_secs_f64());
    }

    /// Counts a credential check.
    pub fn credential_check(&self, outcome: CredentialOutcome) {
        self.credential_checks
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// Counts an upgraded hash.
    pub fn rehashed(&self) {
        self.rehashes.inc();
    }
}
