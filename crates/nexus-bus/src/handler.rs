//! What a consumer calls for every entry, and how it reports the outcome.

use std::future::Future;

use nexus_proto::event::{Envelope, EnvelopeError, Event, RawEnvelope};

use crate::dead_letter::DeadLetterReason;

/// A boxed error a handler can wrap.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where and how often an entry has been delivered, passed to the handler with the envelope.
///
/// Deduplicate on the envelope id (`envelope.id`), not on `entry_id`: the same event relayed twice
/// by an outbox gets two entry ids but keeps its envelope id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Stream entry id (`<millis>-<seq>`), unique within the stream.
    pub entry_id: String,
    /// Stream name without the bus key prefix, e.g. `nexus:analysis:events:v1`.
    pub stream: String,
    /// Consumer group.
    pub group: String,
    /// This consumer's name.
    pub consumer: String,
    /// Which delivery this is: 1 for the first, more after redeliveries (retries or reclaims
    /// from a consumer that died). A value above 1 means the effect may already have happened.
    pub attempt: u32,
}

/// Why the bus is giving up on an entry, handed to [`Handler::dead_lettered`] before the entry
/// moves to the dead-letter stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterNotice {
    /// Why it is dead-lettered.
    pub reason: DeadLetterReason,
    /// What went wrong on the last delivery (the handler's error, the timeout, or "delivered
    /// N times" when its consumers kept dying on it).
    pub detail: String,
    /// Where and how often it was delivered.
    pub delivery: Delivery,
}

/// Why a handler did not finish an entry; decides what the consumer does with it.
///
/// The message carries the handler's error (it is what a dead letter's `detail` records), so
/// the error is not also returned as the source: a cause chain names it once.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A transient failure (database down, timeout): the entry stays pending and is redelivered
    /// after `claim_idle`, until `max_deliveries` is reached, when it is dead-lettered.
    #[error("retryable handler failure: {0}")]
    Retryable(BoxError),
    /// The entry can never succeed (validation failed, referenced row is gone): dead-lettered now.
    #[error("permanent handler failure: {0}")]
    Permanent(BoxError),
    /// The envelope does not decode as the handler's event type: dead-lettered now as poison.
    #[error("undecodable envelope: {0}")]
    Undecodable(BoxError),
}

impl HandlerError {
    /// Wraps a transient failure.
    pub fn retryable(error: impl Into<BoxError>) -> Self {
        Self::Retryable(error.into())
    }

    /// Wraps a failure that no redelivery can fix.
    pub fn permanent(error: impl Into<BoxError>) -> Self {
        Self::Permanent(error.into())
    }
}

/// Handles raw envelopes of one stream, whatever their event type.
///
/// Most code implements the typed [`Handler`] instead, which gets this trait through a blanket
/// implementation. Implement this one for a consumer of a stream that carries several event types
/// (decode each with [`RawEnvelope::decode`]).
pub trait RawHandler: Send + Sync {
    /// Handles one envelope. The entry is acknowledged only if this returns `Ok`.
    fn handle_raw(
        &self,
        envelope: RawEnvelope,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Called once the bus gives up on `envelope`, before it moves to the dead-letter stream
    /// (see [`Handler::dead_lettered`]). The default does nothing.
    fn dead_lettered_raw(
        &self,
        _envelope: RawEnvelope,
        _notice: &DeadLetterNotice,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        async { Ok(()) }
    }
}

/// Handles one event type.
///
/// Handlers must be idempotent on `envelope.id`: delivery is at least once. See
/// [`Idempotency`](crate::Idempotency) for Redis-side effects; Postgres-side effects record an
/// inbox row in the same transaction (nexus-db).
///
/// Entries of another event (same stream, different name) are acknowledged and skipped, since
/// each consumer group picks the events it cares about. An entry with this event's name that does
/// not decode (wrong version, bad payload) is poison and dead-lettered.
pub trait Handler: Send + Sync {
    /// The event this handler consumes.
    type Event: Event;

    /// Handles one event. The entry is acknowledged only if this returns `Ok`.
    fn handle(
        &self,
        envelope: Envelope<Self::Event>,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// Called when the bus gives up on an event, whichever way its last delivery ended (a
    /// retryable error or a timeout on delivery `max_deliveries`, a permanent error, or found
    /// with more deliveries than allowed because its consumers kept crashing), so the handler
    /// can record the failure where people look (e.g. mark a job `failed` with the reason).
    ///
    /// Runs under `handler_timeout` like [`Handler::handle`]. Only when it returns `Ok` is the
    /// entry dead-lettered; on an error (or panic, or timeout) it stays pending and the next
    /// reclaim calls this again, so the report is never lost. It must be idempotent. The
    /// default does nothing.
    fn dead_lettered(
        &self,
        _envelope: Envelope<Self::Event>,
        _notice: &DeadLetterNotice,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        async { Ok(()) }
    }
}

impl<H: Handler> RawHandler for H {
    async fn handle_raw(
        &self,
        envelope: RawEnvelope,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        if envelope.name != H::Event::NAME {
            tracing::debug!(
                event_name = %envelope.name,
                stream = %delivery.stream,
                "Skipping an event this handler does not consume."
            );
            return Ok(());
        }
        match envelope.decode::<H::Event>() {
            Ok(typed) => self.handle(typed, delivery).await,
            Err(error @ (EnvelopeError::WrongType { .. } | EnvelopeError::Payload(_))) => {
                Err(HandlerError::Undecodable(Box::new(error)))
            }
        }
    }

    async fn dead_lettered_raw(
        &self,
        envelope: RawEnvelope,
        notice: &DeadLetterNotice,
    ) -> Result<(), HandlerError> {
        // Another event's entry, or one that does not decode: there is nothing to report on.
        if envelope.name != H::Event::NAME {
            return Ok(());
        }
        match envelope.decode::<H::Event>() {
            Ok(typed) => self.dead_lettered(typed, notice).await,
            Err(_) => Ok(()),
        }
    }
}
