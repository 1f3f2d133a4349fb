//! HTTP request metrics.

use std::time::Duration;

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

/// Labels of both HTTP metrics. `route` is the matched route pattern (`/v1/bounties/{id}`), never
/// the raw path, so cardinality stays bounded.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// Service name, e.g. `nexus-bounty`.
    pub service: String,
    /// Matched route pattern or `unmatched`.
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// Response status code.
    pub status: u16,
}

type HistogramFamily = Family<HttpLabels, Histogram, fn() -> Histogram>;

/// `nexus_http_requests_total` and `nexus_http_request_duration_seconds` for one service.
#[derive(Debug, Clone)]
pub struct HttpMetrics {
    service: String,
    requests: Family<HttpLabels, Counter>,
    durations: HistogramFamily,
}

fn duration_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl HttpMetrics {
    /// Registers both metric families in `registry`.
    pub fn register(service: &str, registry: &MetricsRegistry) -> Self {
        let metrics = Self {
            service: service.to_owned(),
            requests: Family::default(),
            durations: HistogramFamily::new_with_constructor(duration_histogram),
        };
        registry.register_with(|registry| {
            registry.register(
                "nexus_http_requests",
                "HTTP requests served",
                metrics.requests.clone(),
            );
            registry.register(
                "nexus_http_request_duration_seconds",
                "Time from receiving a request to producing its response head",
                metrics.durations.clone(),
            );
        });
        metrics
    }

    /// Records one finished request.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let labels = HttpLabels {
            service: self.service.clone(),
            route: route.to_owned(),
            method: method.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }
}
