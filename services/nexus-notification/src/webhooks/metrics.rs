//! The webhook channel's metrics (registered by [`NotificationMetrics`](crate::metrics::NotificationMetrics)):
//!
//! - `nexus_notification_webhook_deliveries_total{outcome}`: attempts by outcome: `delivered`,
//!   `retrying` (failed, another attempt scheduled), `gave_up` (the schedule ran out),
//!   `endpoint_disabled` (failed for days: the endpoint was disabled).
//! - `nexus_notification_webhook_queue_depth`: messages pending for enabled endpoints (due or
//!   waiting for their next retry).
//! - `nexus_notification_webhook_oldest_pending_seconds`: age of the oldest of those.

use std::sync::atomic::AtomicU64;

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Handles to the webhook families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct WebhookMetrics {
    deliveries: Family<OutcomeLabels, Counter>,
    depth: Gauge,
    oldest: Gauge<f64, AtomicU64>,
}

impl WebhookMetrics {
    /// Registers the families on `registry`.
    pub fn register(&self, registry: &MetricsRegistry) {
        registry.register_with(|registry| {
            registry.register(
                "nexus_notification_webhook_deliveries",
                "Webhook delivery attempts, by outcome",
                self.deliveries.clone(),
            );
            registry.register(
                "nexus_notification_webhook_queue_depth",
                "Webhook messages pending for enabled endpoints",
                self.depth.clone(),
            );
            registry.register(
                "nexus_notification_webhook_oldest_pending_seconds",
                "Age of the oldest pending webhook message",
                self.oldest.clone(),
            );
        });
    }

    /// Counts one attempt's outcome.
    pub fn attempt(&self, outcome: &'static str) {
        self.deliveries
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// Sets the queue gauges.
    pub fn queue(&self, depth: i64, oldest_seconds: f64) {
        self.depth.set(depth);
        self.oldest.set(oldest_seconds);
    }
}
