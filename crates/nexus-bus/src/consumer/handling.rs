//! Handling one entry: calling the handler, then acknowledging, leaving pending, or
//! dead-lettering it.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use tracing::Instrument;

use super::{Consumer, Entry};
use crate::codec::decode_entry;
use crate::dead_letter::{DeadLetterMove, DeadLetterReason};
use crate::error::BusError;
use crate::handler::{DeadLetterNotice, Delivery, HandlerError, RawHandler};
use crate::metrics::Outcome;

impl Consumer {
    /// Handles one entry to completion, counts and returns what became of it.
    pub(super) async fn process<H: RawHandler>(
        &mut self,
        handler: &H,
        entry: Entry,
    ) -> Result<Outcome, BusError> {
        let outcome = self.handle_entry(handler, entry).await?;
        if let Some(metrics) = &self.metrics {
            metrics.consumed(&self.stream, outcome);
        }
        Ok(outcome)
    }

    async fn handle_entry<H: RawHandler>(
        &mut self,
        handler: &H,
        entry: Entry,
    ) -> Result<Outcome, BusError> {
        let max_deliveries = self.settings.max_deliveries;
        if entry.deliveries > max_deliveries {
            let detail = format!(
                "delivered {} times without being acknowledged (limit {max_deliveries})",
                entry.deliveries
            );
            return self
                .give_up(
                    handler,
                    &entry,
                    DeadLetterReason::MaxDeliveriesExceeded,
                    &detail,
                )
                .await;
        }
        let envelope = match decode_entry(&entry.fields) {
            Ok(envelope) => envelope,
            Err(error) => {
                return self
                    .dead_letter(&entry, DeadLetterReason::Undecodable, &error.to_string())
                    .await;
            }
        };
        let delivery = self.delivery(&entry);
        let event_id = envelope.id;
        // A panicking or hung handler is treated like a retryable failure rather than killing or
        // blocking the loop; the entry is redelivered and eventually dead-lettered.
        let handler_timeout = self.settings.handler_timeout;
        let span = tracing::info_span!(
            "bus_handle",
            stream = %self.stream,
            group = %self.group,
            event_name = %envelope.name,
            event_id = %envelope.id,
            entry_id = %entry.id,
            attempt = entry.deliveries,
        );
        let handling = AssertUnwindSafe(handler.handle_raw(envelope, &delivery).instrument(span))
            .catch_unwind();
        let result = match tokio::time::timeout(handler_timeout, handling).await {
            Ok(Ok(result)) => result,
            Ok(Err(_panic)) => Err(HandlerError::retryable("the handler panicked")),
            Err(_elapsed) => Err(HandlerError::retryable(format!(
                "the handler did not finish within {handler_timeout:?}"
            ))),
        };
        let outcome = match result {
            Ok(()) => {
                redis::cmd("XACK")
                    .arg(&self.stream_key)
                    .arg(&self.group)
                    .arg(&entry.id)
                    .query_async::<()>(&mut self.connection)
                    .await?;
                Outcome::Acked
            }
            Err(HandlerError::Retryable(error)) if entry.deliveries >= max_deliveries => {
                let detail = error.to_string();
                self.give_up(handler, &entry, DeadLetterReason::RetriesExhausted, &detail)
                    .await?
            }
            Err(HandlerError::Retryable(error)) => {
                tracing::warn!(
                    error = %error,
                    event_id = %event_id,
                    entry_id = %entry.id,
                    attempt = entry.deliveries,
                    "The handler failed; the entry stays pending for redelivery."
                );
                Outcome::Retry
            }
            Err(HandlerError::Permanent(error)) => {
                let detail = error.to_string();
                self.give_up(handler, &entry, DeadLetterReason::Rejected, &detail)
                    .await?
            }
            Err(HandlerError::Undecodable(error)) => {
                let detail = error.to_string();
                self.dead_letter(&entry, DeadLetterReason::Undecodable, &detail)
                    .await?
            }
        };
        Ok(outcome)
    }

    fn delivery(&self, entry: &Entry) -> Delivery {
        Delivery {
            entry_id: entry.id.clone(),
            stream: self.stream.clone(),
            group: self.group.clone(),
            consumer: self.name.clone(),
            attempt: entry.deliveries,
        }
    }

    /// Tells the handler the bus gives up on `entry` (its dead-letter hook), then dead-letters
    /// it. A hook that fails, panics or hangs leaves the entry pending instead: the next reclaim
    /// finds it over `max_deliveries` and calls the hook again, so the report is never lost.
    async fn give_up<H: RawHandler>(
        &mut self,
        handler: &H,
        entry: &Entry,
        reason: DeadLetterReason,
        detail: &str,
    ) -> Result<Outcome, BusError> {
        if let Ok(envelope) = decode_entry(&entry.fields) {
            let notice = DeadLetterNotice {
                reason,
                detail: detail.to_owned(),
                delivery: self.delivery(entry),
            };
            let handler_timeout = self.settings.handler_timeout;
            let hook =
                AssertUnwindSafe(handler.dead_lettered_raw(envelope, &notice)).catch_unwind();
            let reported = match tokio::time::timeout(handler_timeout, hook).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(error))) => Err(error.to_string()),
                Ok(Err(_panic)) => Err("the dead-letter hook panicked".to_owned()),
                Err(_elapsed) => Err(format!(
                    "the dead-letter hook did not finish within {handler_timeout:?}"
                )),
            };
            if let Err(error) = reported {
                tracing::warn!(
                    error = %error,
                    stream = %self.stream,
                    entry_id = %entry.id,
                    reason = reason.code(),
                    "Reporting a dead letter to its handler failed; the entry stays pending and is reported again when reclaimed."
                );
                return Ok(Outcome::Retry);
            }
        }
        self.dead_letter(entry, reason, detail).await
    }

    async fn dead_letter(
        &mut self,
        entry: &Entry,
        reason: DeadLetterReason,
        detail: &str,
    ) -> Result<Outcome, BusError> {
        let dead_letter = DeadLetterMove {
            stream_key: &self.stream_key,
            dead_letter_key: &self.dead_letter_key,
            max_len: self.settings.dead_letter_max_len,
            stream: &self.stream,
            group: &self.group,
            consumer: &self.name,
            entry_id: &entry.id,
            fields: &entry.fields,
            reason,
            detail,
            deliveries: entry.deliveries,
        };
        dead_letter.execute(&mut self.connection).await?;
        tracing::warn!(
            stream = %self.stream,
            group = %self.group,
            entry_id = %entry.id,
            reason = reason.code(),
            detail = %detail,
            "Moved a stream entry to the dead-letter stream."
        );
        if let Some(metrics) = &self.metrics {
            metrics.dead_lettered(&self.stream, reason.code());
        }
        Ok(Outcome::DeadLettered)
    }
}
