//! The notification service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! - `nexus_notification_notices_total{kind,channel}`: notices put on a channel (`in_app`: inbox
//!   rows; `email`: mails queued; `webhook`: webhook messages queued), by kind.
//! - `nexus_notification_source_events_total{stream,outcome}`: source envelopes handled:
//!   `applied`, `duplicate` (seen before), `skipped` (not an event this service uses),
//!   `malformed` (dead-lettered), `failed` (retried).
//! - `nexus_notification_consumer_lag_seconds{stream}`: how old the last envelope handled on the
//!   stream was when it was handled (its `occurred_at` to now): a growing value is a consumer
//!   falling behind.

use nexus_telemetry::MetricsRegistry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::atomic::AtomicU64;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NoticeLabels {
    kind: &'static str,
    channel: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    stream: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StreamLabels {
    stream: &'static str,
}

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct NotificationMetrics {
    notices: Family<NoticeLabels, Counter>,
    source_events: Family<SourceLabels, Counter>,
    lag: Family<StreamLabels, Gauge<f64, AtomicU64>>,
    /// The webhook channel's families ([`crate::webhooks::metrics`]).
    pub webhooks: crate::webhooks::metrics::WebhookMetrics,
    /// The e-mail channel's families.
    pub email: crate::email::metrics::EmailMetrics,
}

impl NotificationMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let metrics = Self::default();
        registry.register_with(|registry| {
            registry.register(
                "nexus_notification_notices",
                "Notices put on a channel, by kind and channel",
                metrics.notices.clone(),
            );
            registry.register(
                "nexus_notification_source_events",
                "Source envelopes handled, by stream and outcome",
                metrics.source_events.clone(),
            );
            registry.register(
                "nexus_notification_consumer_lag_seconds",
                "Age of the last envelope handled on each stream when it was handled",
                metrics.lag.clone(),
            );
        });
        metrics.webhooks.register(registry);
        metrics.email.register(registry);
        metrics
    }

    /// Counts `count` notices of `kind` on `channel`.
    pub fn notices(&self, kind: &'static str, channel: &'static str, count: u64) {
        if count > 0 {
            self.notices
                .get_or_create(&NoticeLabels { kind, channel })
                .inc_by(count);
        }
    }

    /// Counts a source envelope of `stream` by how it ended (see the module docs).
    pub fn source_event(&self, stream: &'static str, outcome: &'static str) {
        self.source_events
            .get_or_create(&SourceLabels { stream, outcome })
            .inc();
    }

    /// Records the age, seconds, of the envelope just handled on `stream`.
    pub fn lag(&self, stream: &'static str, seconds: f64) {
        self.lag
            .get_or_create(&StreamLabels { stream })
            .set(seconds.max(0.0));
    }
}
