//! The Prometheus registry of one service instance.

use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

/// A shareable handle on one Prometheus registry.
///
/// Metrics are registered while the service is built and encoded on every scrape; a mutex is
/// enough because both are rare compared with updating a metric, which never touches it.
#[derive(Clone, Default)]
pub struct MetricsRegistry {
    inner: Arc<Mutex<Registry>>,
}

impl std::fmt::Debug for MetricsRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsRegistry").finish_non_exhaustive()
    }
}

impl MetricsRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `register` with the registry locked, e.g. `registry.register_with(|r| r.register(...))`.
    pub fn register_with<T>(&self, register: impl FnOnce(&mut Registry) -> T) -> T {
        let mut registry = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        register(&mut registry)
    }

    /// The registry in the OpenMetrics text format served at `/metrics`.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let registry = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::new();
        encode(&mut text, &registry)?;
        Ok(text)
    }

    /// The content type of [`MetricsRegistry::encode`]'s output.
    pub const CONTENT_TYPE: &'static str =
        "application/openmetrics-text; version=1.0.0; charset=utf-8";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use prometheus_client::metrics::counter::Counter;

    #[test]
    fn registered_metrics_appear_in_the_encoding() {
        let registry = MetricsRegistry::new();
        let counter: Counter = Counter::default();
        registry.register_with(|r| {
            r.register(
                "nexus_test_events",
                "Events seen by the test",
                counter.clone(),
            )
        });
        counter.inc_by(3);
        let text = registry.encode().unwrap();
        assert!(text.contains("nexus_test_events_total 3"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
