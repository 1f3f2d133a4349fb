//! The e-mail channel's metrics (registered by [`NotificationMetrics`](crate::metrics::NotificationMetrics)):
//!
//! - `nexus_notification_deliveries_total{channel="email",outcome}`: attempts by outcome: `sent`,
//!   `retrying` (transient failure, another attempt scheduled), `deferred` (the recipient's
//!   hourly limit), `failed` (attempts exhausted or the mail invalid), `bounced` (SMTP 5xx),
//!   `suppressed` (the address bounced too often; nothing sent).
//! - `nexus_notification_email_queue_depth`: mails queued or being sent.
//! - `nexus_notification_email_oldest_pending_seconds`: age of the oldest of those.

use std::sync::atomic::AtomicU64;

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: &'static str,
    outcome: &'static str,
}

/// Handles to the e-mail families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct EmailMetrics {
    deliveries: Family<DeliveryLabels, Counter>,
    depth: Gauge,
    oldest: Gauge<f64, AtomicU64>,
}

impl EmailMetrics {
    /// Registers the families on `registry`.
    pub fn register(&self, registry: &MetricsRegistry) {
        registry.register_with(|registry| {
            registry.register(
                "nexus_notification_deliveries",
                "Delivery attempts, by channel and outcome",
                self.deliveries.clone(),
            );
            registry.register(
                "nexus_notification_email_queue_depth",
                "Mails queued or being sent",
                self.depth.clone(),
            );
            registry.register(
                "nexus_notification_email_oldest_pending_seconds",
                "Age of the oldest pending mail",
                self.oldest.clone(),
            );
        });
    }

    /// Counts one attempt's outcome.
    pub fn attempt(&self, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                channel: "email",
                outcome,
            })
            .inc();
    }

    /// Sets the queue gauges.
    pub fn queue(&self, depth: i64, oldest_seconds: f64) {
        self.depth.set(depth);
        self.oldest.set(oldest_seconds);
    }
}
