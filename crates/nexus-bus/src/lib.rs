//! Typed events over Redis Streams (durable, at least once) and Redis pub/sub (live, may drop).
//!
//! Layout:
//! - [`keys`]: [`RedisKeys`], the one place key names are built: streams under the deployment
//!   prefix, every other key in its owner's namespace (`nexus:<namespace>:<name>`).
//! - [`bus`]: [`Bus`], the cheap-to-clone handle: stream keys, [`Bus::publish`] (typed) and
//!   [`Bus::publish_raw`] / [`Bus::publish_raw_batch`] (for the outbox relay), pending counts,
//!   [`Bus::ping`] for readiness.
//! - [`consumer`]: [`Consumer`], one member of a consumer group: `XREADGROUP`, `XACK` after
//!   success, `XAUTOCLAIM` of idle entries, dead-lettering; [`Consumer::run`] until cancelled.
//! - [`handler`]: the [`Handler`] (typed) and [`RawHandler`] traits and [`HandlerError`].
//! - [`dead_letter`]: the `<stream>:dead` streams, [`DeadLetter`] records,
//!   [`Bus::dead_letters`] and [`Bus::requeue_dead_letter`].
//! - [`idempotency`]: [`Idempotency::apply_once`], Redis-side effects applied once per event id.
//! - [`subscriber`]: [`Bus::subscribe`], live fan-out over pub/sub.
//! - [`outstanding`]: [`Bus::outstanding`], what a group still has to do (for reconciliation).
//! - [`settings`], [`metrics`], [`error`]: [`BusSettings`], [`BusMetrics`], [`BusError`].
//!
//! Delivery guarantees:
//! - A publish appends the envelope to the stream `<prefix><Event::STREAM>` (capped at about
//!   `stream_max_len` entries) and publishes it on the channel of the same name, in one `MULTI`.
//! - Streams: every consumer group receives every entry; within a group each entry goes to one
//!   consumer at a time. An entry is acknowledged only after its handler returns `Ok`, so a
//!   consumer that crashes, is killed, or fails with a retryable error leaves it pending, and any
//!   consumer of the group reclaims it once it has been idle for `claim_idle`. That makes delivery
//!   **at least once**: a handler may see an envelope again after its effect already happened, so
//!   handlers must be idempotent on the envelope id ([`Delivery::attempt`] > 1 hints at it).
//! - An entry is dead-lettered (appended to `<stream>:dead` with the reason, detail and original
//!   id, and acknowledged, atomically) when it does not decode (poison, at once), when the handler
//!   returns a permanent error, or when it reaches `max_deliveries`. Before that, the handler's
//!   [`Handler::dead_lettered`] hook is told why (whichever way the last delivery ended,
//!   including a timeout or a crashed consumer); only when the hook succeeds is the entry moved,
//!   so a job is never dead without its owner having recorded the failure.
//! - Pub/sub is at most once: live subscribers miss whatever is sent while they are away.
//! - Entries older than the stream cap can be trimmed even if a group has not handled them; the
//!   outbox in Postgres, not the stream, is the record of events that must not be lost.
//!
//! Example (publish, then consume until shutdown):
//!
//! ```no_run
//! use nexus_bus::{Bus, BusSettings, ConsumerParams, Delivery, Handler, HandlerError};
//! use nexus_proto::{Envelope, Event};
//! use serde::{Deserialize, Serialize};
//! use tokio_util::sync::CancellationToken;
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct SampleStored {
//!     sha256: String,
//! }
//!
//! impl Event for SampleStored {
//!     const NAME: &'static str = "SampleStored";
//!     const VERSION: u32 = 1;
//!     const STREAM: &'static str = "nexus:analysis:samples:v1";
//! }
//!
//! struct QueueAnalysis;
//!
//! impl Handler for QueueAnalysis {
//!     type Event = SampleStored;
//!
//!     async fn handle(
//!         &self,
//!         envelope: Envelope<SampleStored>,
//!         _delivery: &Delivery,
//!     ) -> Result<(), HandlerError> {
//!         // Apply the effect idempotently on `envelope.id`; return
//!         // `HandlerError::retryable(..)` for transient failures.
//!         let _ = envelope.payload.sha256;
//!         Ok(())
//!     }
//! }
//!
//! # async fn example() -> Result<(), nexus_bus::BusError> {
//! let bus = Bus::connect("redis://127.0.0.1:6379", "", BusSettings::default()).await?;
//! bus.publish(&Envelope::new(SampleStored { sha256: "ab".into() })).await?;
//! let params = ConsumerParams::new(SampleStored::STREAM, "analysis-queue", "worker-1");
//! let consumer = bus.consumer(params).await?;
//! let shutdown = CancellationToken::new();
//! let worker = tokio::spawn(consumer.run(QueueAnalysis, shutdown.clone()));
//! // On SIGTERM:
//! shutdown.cancel();
//! let _ = worker.await;
//! # Ok(())
//! # }
//! ```

pub mod bus;
mod codec;
pub mod consumer;
pub mod dead_letter;
pub mod error;
pub mod handler;
pub mod idempotency;
pub mod keys;
pub mod metrics;
pub mod outstanding;
pub mod settings;
pub mod subscriber;

pub use bus::Bus;
pub use consumer::{Consumer, ConsumerParams, PollReport};
pub use dead_letter::{DeadLetter, DeadLetterReason};
pub use error::{BusError, redis_is_unavailable};
pub use handler::{BoxError, DeadLetterNotice, Delivery, Handler, HandlerError, RawHandler};
pub use idempotency::{Idempotency, RedisEffect};
pub use keys::{KeyNamespace, RedisKeys};
pub use metrics::{BusMetrics, Outcome};
pub use settings::BusSettings;
pub use subscriber::{LiveEvent, LiveSubscription};
