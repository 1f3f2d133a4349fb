//! Prometheus metrics of outgoing service calls.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a finished call.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    service: String,
    method: String,
    outcome: String,
}

/// Labels of a call's duration.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DurationLabels {
    service: String,
    method: String,
}

/// Labels with the called service only.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

fn duration_histogram() -> Histogram {
    // 5 ms to about 20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// Metrics of outgoing calls, registered once per process and shared by every client:
/// - `nexus_client_requests_total{service,method,outcome}`: finished calls; `outcome` is `ok` or
///   the [`ClientError::code`](crate::ClientError::code) of the failure.
/// - `nexus_client_retries_total{service}`: attempts repeated after a retryable failure.
/// - `nexus_client_request_duration_seconds{service,method}`: whole-call time, retries included.
#[derive(Debug, Clone)]
pub struct ClientMetrics {
    requests: Family<CallLabels, Counter>,
    retries: Family<ServiceLabels, Counter>,
    durations: Family<DurationLabels, Histogram, fn() -> Histogram>,
}

impl ClientMetrics {
    /// Creates the metrics and registers them on `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            requests: Family::default(),
            retries: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
        };
        registry.register(
            "nexus_client_requests",
            "Finished outgoing service calls, by outcome",
            metrics.requests.clone(),
        );
        registry.register(
            "nexus_client_retries",
            "Outgoing call attempts repeated after a retryable failure",
            metrics.retries.clone(),
        );
        registry.register(
            "nexus_client_request_duration_seconds",
            "Duration of outgoing service calls, retries included",
            metrics.durations.clone(),
        );
        metrics
    }

    pub(crate) fn finished(&self, service: &str, method: &str, outcome: &str, duration: Duration) {
        let labels = CallLabels {
            service: service.to_owned(),
            method: method.to_owned(),
            outcome: outcome.to_owned(),
        };
        self.requests.get_or_create(&labels).inc();
        let labels = DurationLabels {
            service: service.to_owned(),
            method: method.to_owned(),
        };
        self.durations
            .get_or_create(&labels)
            .observe(duration.as_secs_f64());
    }

    pub(crate) fn retried(&self, service: &str) {
        self.retries
            .get_or_create(&ServiceLabels {
                service: service.to_owned(),
            })
            .inc();
    }
}
