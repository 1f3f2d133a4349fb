//! The [`Bus`] handle: key prefixing, publishing, and the entry points to consumers and
//! subscriptions.

use std::sync::Arc;

use nexus_proto::event::{Envelope, Event, RawEnvelope};
use redis::aio::ConnectionManager;
use redis::streams::StreamPendingReply;
use serde::Serialize;

use crate::codec::{FIELD_ENVELOPE, FIELD_NAME};
use crate::dead_letter::DEAD_LETTER_SUFFIX;
use crate::error::BusError;
use crate::keys::RedisKeys;
use crate::metrics::BusMetrics;
use crate::settings::BusSettings;

/// A cheap-to-clone handle on the bus of one Redis deployment and one key prefix.
///
/// Every stream key and pub/sub channel is `<key_prefix><stream>`, the stream named in full
/// (`nexus:analysis:jobs:v1`): production uses an empty prefix (or one per environment sharing
/// a Redis), tests a unique `test:<uuid>:` so they never see each other's entries. Other keys
/// (caches, rate limits, challenges) are built with [`Bus::keys`].
/// Publishing goes over one shared auto-reconnecting connection; each consumer and subscription
/// opens its own, because blocking reads and subscriptions must not stall other commands.
#[derive(Clone)]
pub struct Bus {
    pub(crate) client: redis::Client,
    pub(crate) connection: ConnectionManager,
    pub(crate) key_prefix: Arc<str>,
    pub(crate) settings: Arc<BusSettings>,
    pub(crate) metrics: Option<BusMetrics>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Bus")
            .field("key_prefix", &self.key_prefix)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Bus {
    /// Connects to `redis_url` (e.g. `redis://127.0.0.1:6379`).
    pub async fn connect(
        redis_url: &str,
        key_prefix: impl Into<String>,
        settings: BusSettings,
    ) -> Result<Self, BusError> {
        let client = redis::Client::open(redis_url)?;
        Self::from_client(client, key_prefix, settings).await
    }

    /// Builds a bus over an existing client (e.g. one shared with a rate limiter).
    pub async fn from_client(
        client: redis::Client,
        key_prefix: impl Into<String>,
        settings: BusSettings,
    ) -> Result<Self, BusError> {
        settings.validate()?;
        let connection = client.get_connection_manager().await?;
        Ok(Self {
            client,
            connection,
            key_prefix: Arc::from(key_prefix.into()),
            settings: Arc::new(settings),
            metrics: None,
        })
    }

    /// Counts publishes, consumes, dead letters and reclaims in `metrics` (also for consumers
    /// created from this bus afterwards).
    #[must_use]
    pub fn with_metrics(mut self, metrics: BusMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The settings this bus was built with.
    pub fn settings(&self) -> &BusSettings {
        &self.settings
    }

    /// The deployment prefix of every key, stream and channel (empty in production).
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The key names of this deployment: `keys().namespace("user").key("siwe:...")` for a
    /// service's own keys.
    pub fn keys(&self) -> RedisKeys {
        RedisKeys::new(self.key_prefix.as_ref())
    }

    /// The Redis key (and pub/sub channel) of a stream named in full (an `Event::STREAM`):
    /// `<key_prefix><stream>`. Not for other keys: those go through [`Bus::keys`].
    pub fn key(&self, stream: &str) -> String {
        self.keys().stream(stream)
    }

    /// The (unprefixed) dead-letter stream name of `stream`: `<stream>:dead`.
    pub fn dead_letter_stream(stream: &str) -> String {
        format!("{stream}{DEAD_LETTER_SUFFIX}")
    }

    /// A clone of the shared auto-reconnecting connection, e.g. for
    /// [`Idempotency::apply_once`](crate::Idempotency::apply_once) in a handler.
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// Publishes a typed event to [`Event::STREAM`]: appended to the stream (durable, for consumer
    /// groups) and published on the channel of the same name (live fan-out). Returns the entry id.
    #[tracing::instrument(skip_all, fields(event_name = %envelope.name, event_id = %envelope.id))]
    pub async fn publish<E: Event>(&self, envelope: &Envelope<E>) -> Result<String, BusError> {
        self.publish_serialized(E::STREAM, &envelope.name, envelope)
            .await
    }

    /// Publishes an envelope whose payload is raw JSON to `stream` (unprefixed), for the outbox
    /// relay, which only has the stored envelope and stream name. Returns the entry id.
    #[tracing::instrument(skip_all, fields(stream = %stream, event_name = %envelope.name, event_id = %envelope.id))]
    pub async fn publish_raw(
        &self,
        stream: &str,
        envelope: &RawEnvelope,
    ) -> Result<String, BusError> {
        self.publish_serialized(stream, &envelope.name, envelope)
            .await
    }

    /// Publishes several raw envelopes, each to its (unprefixed) stream, in one round trip, for an
    /// outbox relay draining a batch. Each envelope is appended and published like
    /// [`Bus::publish_raw`]; the batch is not atomic as a whole (a failure can leave a prefix of it
    /// published, which the relay's at-least-once retry covers). Returns the entry ids in order.
    #[tracing::instrument(skip_all, fields(count = envelopes.len()))]
    pub async fn publish_raw_batch(
        &self,
        envelopes: &[(&str, &RawEnvelope)],
    ) -> Result<Vec<String>, BusError> {
        let mut pipeline = redis::pipe();
        for (stream, envelope) in envelopes {
            let json = serde_json::to_string(envelope).map_err(BusError::Encode)?;
            let key = self.key(stream);
            pipeline
                .cmd("XADD")
                .arg(&key)
                .arg("MAXLEN")
                .arg("~")
                .arg(self.settings.stream_max_len)
                .arg("*")
                .arg(FIELD_NAME)
                .arg(&envelope.name)
                .arg(FIELD_ENVELOPE)
                .arg(&json)
                .cmd("PUBLISH")
                .arg(&key)
                .arg(&json)
                .ignore();
        }
        let entry_ids: Vec<String> = pipeline.query_async(&mut self.connection.clone()).await?;
        if entry_ids.len() != envelopes.len() {
            return Err(BusError::UnexpectedReply(format!(
                "XADD returned {} entry ids for {} envelopes",
                entry_ids.len(),
                envelopes.len()
            )));
        }
        if let Some(metrics) = &self.metrics {
            for (stream, _) in envelopes {
                metrics.published(stream);
            }
        }
        Ok(entry_ids)
    }

    /// Checks that Redis answers, for `/ready`.
    pub async fn ping(&self) -> Result<(), BusError> {
        redis::cmd("PING")
            .query_async::<()>(&mut self.connection.clone())
            .await?;
        Ok(())
    }

    async fn publish_serialized(
        &self,
        stream: &str,
        event_name: &str,
        envelope: &impl Serialize,
    ) -> Result<String, BusError> {
        let json = serde_json::to_string(envelope).map_err(BusError::Encode)?;
        let key = self.key(stream);
        // MULTI keeps the two together: a live subscriber never sees an event the stream lacks.
        let (entry_id, _receivers): (Option<String>, i64) = redis::pipe()
            .atomic()
            .cmd("XADD")
            .arg(&key)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.settings.stream_max_len)
            .arg("*")
            .arg(FIELD_NAME)
            .arg(event_name)
            .arg(FIELD_ENVELOPE)
            .arg(&json)
            .cmd("PUBLISH")
            .arg(&key)
            .arg(&json)
            .query_async(&mut self.connection.clone())
            .await?;
        let entry_id = entry_id
            .ok_or_else(|| BusError::UnexpectedReply("XADD returned no entry id".to_owned()))?;
        if let Some(metrics) = &self.metrics {
            metrics.published(stream);
        }
        Ok(entry_id)
    }

    /// Number of entries of `stream` delivered to `group` and not yet acknowledged.
    pub async fn pending_count(&self, stream: &str, group: &str) -> Result<usize, BusError> {
        let reply: StreamPendingReply = redis::cmd("XPENDING")
            .arg(self.key(stream))
            .arg(group)
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(reply.count())
    }
}
