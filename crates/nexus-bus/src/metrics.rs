//! Prometheus counters of the bus.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Label set with the (unprefixed) stream name only.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StreamLabels {
    stream: String,
}

/// Label set with the stream name and an outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    stream: String,
    outcome: String,
}

/// Label set with the stream name and a dead-letter reason.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    stream: String,
    reason: String,
}

/// Counters of the bus, registered once per process and shared by every bus and consumer.
///
/// Exposed as (the registry appends `_total` to counters):
/// - `nexus_bus_published_total{stream}`: envelopes appended to a stream.
/// - `nexus_bus_consumed_total{stream,outcome}`: entries a consumer finished, by [`Outcome`]
///   (`acked`, `retry`, `dead_lettered`).
/// - `nexus_bus_dead_lettered_total{stream,reason}`: entries moved to `<stream>:dead`, by
///   [`DeadLetterReason`](crate::DeadLetterReason) code.
/// - `nexus_bus_reclaimed_total{stream}`: entries taken over from idle consumers by `XAUTOCLAIM`.
#[derive(Debug, Clone, Default)]
pub struct BusMetrics {
    published: Family<StreamLabels, Counter>,
    consumed: Family<OutcomeLabels, Counter>,
    dead_lettered: Family<ReasonLabels, Counter>,
    reclaimed: Family<StreamLabels, Counter>,
}

/// What became of an entry handed to a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handler succeeded and the entry was acknowledged.
    Acked,
    /// The handler failed with a retryable error; the entry stays pending for redelivery.
    Retry,
    /// The entry was moved to the dead-letter stream and acknowledged.
    DeadLettered,
}

impl Outcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acked => "acked",
            Self::Retry => "retry",
            Self::DeadLettered => "dead_lettered",
        }
    }
}

impl BusMetrics {
    /// Creates the counters and registers them on `registry`.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "nexus_bus_published",
            "Envelopes appended to a Redis stream",
            metrics.published.clone(),
        );
        registry.register(
            "nexus_bus_consumed",
            "Stream entries finished by a consumer, by outcome",
            metrics.consumed.clone(),
        );
        registry.register(
            "nexus_bus_dead_lettered",
            "Stream entries moved to a dead-letter stream, by reason",
            metrics.dead_lettered.clone(),
        );
        registry.register(
            "nexus_bus_reclaimed",
            "Pending stream entries reclaimed from idle consumers",
            metrics.reclaimed.clone(),
        );
        metrics
    }

    pub(crate) fn published(&self, stream: &str) {
        self.published
            .get_or_create(&StreamLabels {
                stream: stream.to_owned(),
            })
            .inc();
    }

    pub(crate) fn consumed(&self, stream: &str, outcome: Outcome) {
        let labels = OutcomeLabels {
            stream: stream.to_owned(),
            outcome: outcome.as_str().to_owned(),
        };
        self.consumed.get_or_create(&labels).inc();
    }

    pub(crate) fn dead_lettered(&self, stream: &str, reason: &str) {
        let labels = ReasonLabels {
            stream: stream.to_owned(),
            reason: reason.to_owned(),
        };
        self.dead_lettered.get_or_create(&labels).inc();
    }

    pub(crate) fn reclaimed(&self, stream: &str, count: usize) {
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.reclaimed
            .get_or_create(&StreamLabels {
                stream: stream.to_owned(),
            })
            .inc_by(count);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn counters_are_exposed_with_nexus_bus_total_names() {
        let mut registry = Registry::default();
        let metrics = BusMetrics::register(&mut registry);
        metrics.published("s");
        metrics.consumed("s", Outcome::Acked);
        metrics.dead_lettered("s", "undecodable");
        metrics.reclaimed("s", 2);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains(r#"nexus_bus_published_total{stream="s"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"nexus_bus_consumed_total{stream="s",outcome="acked"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"nexus_bus_dead_lettered_total{stream="s",reason="undecodable"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"nexus_bus_reclaimed_total{stream="s"} 2"#),
            "{text}"
        );
    }
}
