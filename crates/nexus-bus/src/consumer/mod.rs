//! Consumer groups: reading, reclaiming, acknowledging and dead-lettering stream entries.
//!
//! Life of an entry for one group:
//! 1. `XREADGROUP ... >` delivers it to one consumer (delivery 1) and records it as pending.
//! 2. The handler runs. `Ok` → `XACK`. A retryable error leaves it pending.
//! 3. A pending entry idle for `claim_idle` (its consumer failed, died, or was stopped before it
//!    started the entry) is taken over by any consumer of the group with `XAUTOCLAIM`, which
//!    increments its delivery count; the count is then read with `XPENDING`.
//! 4. Poison (undecodable) entries and permanent errors are dead-lettered at once; a retryable
//!    error on delivery `max_deliveries`, or an entry reclaimed with more deliveries than that, is
//!    dead-lettered too. Dead-lettering acknowledges the entry in the same `MULTI`.

use std::collections::HashMap;
use std::sync::Arc;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamAutoClaimReply, StreamId, StreamPendingCountReply, StreamReadReply};
use redis::{RedisError, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::bus::Bus;
use crate::error::BusError;
use crate::handler::RawHandler;
use crate::metrics::{BusMetrics, Outcome};
use crate::settings::BusSettings;

mod handling;

/// Extra time a blocking read may take beyond `read_block` before the connection gives up on it.
const BLOCKING_READ_GRACE: std::time::Duration = std::time::Duration::from_secs(5);
/// Cursor value that starts (and marks the end of) an `XAUTOCLAIM` scan.
const SCAN_START: &str = "0-0";

/// Which stream, group and consumer name a [`Consumer`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerParams {
    /// Stream name without the key prefix, usually an [`Event::STREAM`](nexus_proto::Event::STREAM).
    pub stream: String,
    /// Consumer group: every group gets every entry once; the consumers of a group share them.
    /// Usually the consuming service and purpose, e.g. `reputation-scores`.
    pub group: String,
    /// Consumer name, unique among the live consumers of the group (e.g. host name plus a UUID).
    /// Reusing a dead consumer's name picks up its pending entries at the next reclaim.
    pub consumer: String,
}

impl ConsumerParams {
    /// Parameters for `stream`, `group` and `consumer`.
    pub fn new(
        stream: impl Into<String>,
        group: impl Into<String>,
        consumer: impl Into<String>,
    ) -> Self {
        Self {
            stream: stream.into(),
            group: group.into(),
            consumer: consumer.into(),
        }
    }
}

/// What one [`Consumer::poll_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Entries taken over from idle consumers.
    pub reclaimed: usize,
    /// Entries handled successfully and acknowledged.
    pub acked: usize,
    /// Entries left pending after a retryable failure.
    pub retried: usize,
    /// Entries moved to the dead-letter stream.
    pub dead_lettered: usize,
}

impl PollReport {
    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Acked => self.acked += 1,
            Outcome::Retry => self.retried += 1,
            Outcome::DeadLettered => self.dead_lettered += 1,
        }
    }
}

/// A stream entry in this consumer's hands.
struct Entry {
    id: String,
    fields: HashMap<String, Value>,
    deliveries: u32,
}

/// One member of a consumer group, with its own Redis connection.
///
/// Created by [`Bus::consumer`]; run it with [`Consumer::run`] (services) or drive it step by step
/// with [`Consumer::poll_once`] (tests, tools).
pub struct Consumer {
    connection: ConnectionManager,
    stream: String,
    stream_key: String,
    dead_letter_key: String,
    group: String,
    name: String,
    settings: Arc<BusSettings>,
    metrics: Option<BusMetrics>,
    reclaim_cursor: String,
    next_reclaim_at: Instant,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Consumer")
            .field("stream_key", &self.stream_key)
            .field("group", &self.group)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Bus {
    /// Creates a consumer, creating its group (and the stream) if needed.
    ///
    /// A new group starts at the beginning of the retained stream, so events published before the
    /// consumer was first deployed are not missed.
    pub async fn consumer(&self, params: ConsumerParams) -> Result<Consumer, BusError> {
        // Blocking reads hold the connection, so each consumer gets its own.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.settings.read_block + BLOCKING_READ_GRACE));
        let connection = self
            .client
            .get_connection_manager_with_config(config)
            .await?;
        let dead_letter_stream = Bus::dead_letter_stream(&params.stream);
        let mut consumer = Consumer {
            connection,
            stream_key: self.key(&params.stream),
            dead_letter_key: self.key(&dead_letter_stream),
            stream: params.stream,
            group: params.group,
            name: params.consumer,
            settings: Arc::clone(&self.settings),
            metrics: self.metrics.clone(),
            reclaim_cursor: SCAN_START.to_owned(),
            next_reclaim_at: Instant::now(),
        };
        consumer.ensure_group().await?;
        Ok(consumer)
    }
}

impl Consumer {
    /// The consumer's name within its group.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Handles entries until `shutdown` is cancelled.
    ///
    /// On cancellation it finishes (and acknowledges) the entry in hand and returns; entries read
    /// but not yet started stay pending and are reclaimed by another consumer after `claim_idle`.
    /// Redis errors are logged and retried after `error_backoff`; they never end the loop.
    pub async fn run<H: RawHandler>(mut self, handler: H, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            if let Err(error) = self.step(&handler, Some(&shutdown)).await {
                tracing::warn!(
                    error = %error,
                    stream = %self.stream,
                    group = %self.group,
                    consumer = %self.name,
                    "The bus consumer hit an error and will retry."
                );
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = tokio::time::sleep(self.settings.error_backoff) => {}
                }
            }
        }
        tracing::info!(stream = %self.stream, consumer = %self.name, "The bus consumer stopped.");
    }

    /// One non-blocking round: reclaims entries idle for `claim_idle` (whatever the reclaim
    /// interval) or, if there are none, reads new entries; then handles them all.
    pub async fn poll_once<H: RawHandler>(&mut self, handler: &H) -> Result<PollReport, BusError> {
        self.next_reclaim_at = Instant::now();
        self.step(handler, None).await
    }

    /// Reclaims (when due) or else reads (blocking only when running), and handles one batch.
    async fn step<H: RawHandler>(
        &mut self,
        handler: &H,
        shutdown: Option<&CancellationToken>,
    ) -> Result<PollReport, BusError> {
        let mut report = PollReport::default();
        let mut entries = Vec::new();
        if Instant::now() >= self.next_reclaim_at {
            entries = self.reclaim().await?;
            report.reclaimed = entries.len();
        }
        // Reclaimed entries go first; new ones are read on the next round. Only a read with
        // nothing in hand blocks, and only that read is cut short by shutdown.
        if entries.is_empty() {
            let read = self.read_new(shutdown.is_some());
            entries = match shutdown {
                Some(token) => tokio::select! {
                    biased;
                    () = token.cancelled() => return Ok(report),
                    result = read => result?,
                },
                None => read.await?,
            };
        }
        for entry in entries {
            if shutdown.is_some_and(CancellationToken::is_cancelled) {
                break;
            }
            let outcome = self.process(handler, entry).await?;
            report.record(outcome);
        }
        Ok(report)
    }

    async fn ensure_group(&mut self) -> Result<(), BusError> {
        let created: Result<(), RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.stream_key)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut self.connection)
            .await;
        match created {
            Err(error) if error.code() != Some("BUSYGROUP") => Err(error.into()),
            _ => Ok(()),
        }
    }

    /// Takes over one page of entries idle for `claim_idle`, continuing the current scan.
    async fn reclaim(&mut self) -> Result<Vec<Entry>, BusError> {
        let reply: Result<StreamAutoClaimReply, RedisError> = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream_key)
            .arg(&self.group)
            .arg(&self.name)
            .arg(self.settings.claim_idle_millis())
            .arg(&self.reclaim_cursor)
            .arg("COUNT")
            .arg(self.settings.batch_size)
            .query_async(&mut self.connection)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) if is_missing_group(&error) => {
                self.ensure_group().await?;
                self.reclaim_cursor = SCAN_START.to_owned();
                return Ok(Vec::new());
            }
            Err(error) => return Err(error.into()),
        };
        self.reclaim_cursor = reply.next_stream_id;
        if self.reclaim_cursor == SCAN_START {
            self.next_reclaim_at = Instant::now() + self.settings.reclaim_interval;
        }
        if !reply.deleted_ids.is_empty() {
            tracing::warn!(
                stream = %self.stream,
                group = %self.group,
                count = reply.deleted_ids.len(),
                "Pending entries were trimmed from the stream before being handled."
            );
        }
        let (Some(first), Some(last)) = (reply.claimed.first(), reply.claimed.last()) else {
            return Ok(Vec::new());
        };
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(&self.stream_key)
            .arg(&self.group)
            .arg(&first.id)
            .arg(&last.id)
            .arg(reply.claimed.len())
            .arg(&self.name)
            .query_async(&mut self.connection)
            .await?;
        let deliveries: HashMap<String, usize> = pending
            .ids
            .into_iter()
            .map(|pending| (pending.id, pending.times_delivered))
            .collect();
        let entries: Vec<Entry> = reply
            .claimed
            .into_iter()
            // An entry missing from our pending list was taken by someone else meanwhile.
            .filter_map(|claimed| {
                let count = *deliveries.get(&claimed.id)?;
                Some(Entry {
                    id: claimed.id,
                    fields: claimed.map,
                    deliveries: u32::try_from(count).unwrap_or(u32::MAX),
                })
            })
            .collect();
        if let Some(metrics) = &self.metrics {
            metrics.reclaimed(&self.stream, entries.len());
        }
        if !entries.is_empty() {
            tracing::info!(
                stream = %self.stream,
                consumer = %self.name,
                count = entries.len(),
                "Reclaimed idle pending entries."
            );
        }
        Ok(entries)
    }

    /// Reads entries never delivered to this group.
    async fn read_new(&mut self, block: bool) -> Result<Vec<Entry>, BusError> {
        let mut command = redis::cmd("XREADGROUP");
        command.arg("GROUP").arg(&self.group).arg(&self.name);
        command.arg("COUNT").arg(self.settings.batch_size);
        if block {
            command.arg("BLOCK").arg(self.settings.read_block_millis());
        }
        command.arg("STREAMS").arg(&self.stream_key).arg(">");
        let reply: Result<Option<StreamReadReply>, RedisError> =
            command.query_async(&mut self.connection).await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) if is_missing_group(&error) => {
                self.ensure_group().await?;
                return Ok(Vec::new());
            }
            Err(error) => return Err(error.into()),
        };
        let entries = reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .map(|StreamId { id, map, .. }| Entry {
                id,
                fields: map,
                deliveries: 1,
            })
            .collect();
        Ok(entries)
    }
}

/// The stream key was deleted (and its groups with it), e.g. by an operator: the consumer
/// recreates its group and carries on rather than failing forever.
fn is_missing_group(error: &RedisError) -> bool {
    error.code() == Some("NOGROUP")
}
