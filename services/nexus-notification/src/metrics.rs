//! The notification service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! None yet. Planned:
//! - `nexus_notification_sent_total{channel,outcome}`
//! - `nexus_notification_webhook_delivery_seconds`

use nexus_telemetry::MetricsRegistry;

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct NotificationMetrics {}

impl NotificationMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let _ = registry;
        Self {}
    }
}
