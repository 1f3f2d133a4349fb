//! The dead-letter stream: where entries go that no redelivery will fix.
//!
//! For a stream `S` the dead-letter stream is `S:dead` (under the same key prefix). Moving an entry
//! there is one `MULTI`: `XADD` to `S:dead` and `XACK` on `S`, so an entry is never both dead and
//! pending, nor lost between the two. The original entry stays in `S` until trimmed.

use std::collections::HashMap;

use nexus_proto::event::RawEnvelope;
use redis::Value;
use redis::aio::ConnectionLike;

use crate::codec::{FIELD_ENVELOPE, field_text, fields_as_json};
use crate::error::BusError;

/// Suffix of dead-letter stream names.
pub const DEAD_LETTER_SUFFIX: &str = ":dead";

/// Why an entry was dead-lettered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterReason {
    /// The entry is not a valid envelope, or not a valid one for the handler's event (poison).
    Undecodable,
    /// The handler returned a permanent error.
    Rejected,
    /// The handler returned a retryable error on the last allowed delivery.
    RetriesExhausted,
    /// The entry was found with more deliveries than allowed (its consumers kept dying on it).
    MaxDeliveriesExceeded,
}

impl DeadLetterReason {
    /// Stable snake_case code, stored in the `reason` field and used as a metric label.
    pub fn code(self) -> &'static str {
        match self {
            Self::Undecodable => "undecodable",
            Self::Rejected => "rejected",
            Self::RetriesExhausted => "retries_exhausted",
            Self::MaxDeliveriesExceeded => "max_deliveries_exceeded",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            Self::Undecodable,
            Self::Rejected,
            Self::RetriesExhausted,
            Self::MaxDeliveriesExceeded,
        ]
        .into_iter()
        .find(|reason| reason.code() == code)
    }
}

/// One entry of a dead-letter stream, as read back by tooling (inspection, replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Id of the entry in the dead-letter stream.
    pub dead_letter_id: String,
    /// Id the entry had in its original stream.
    pub original_id: String,
    /// Original stream name, without the key prefix.
    pub stream: String,
    /// Consumer group that gave up on it.
    pub group: String,
    /// Consumer that dead-lettered it.
    pub consumer: String,
    /// Why it was dead-lettered (`None` if the stored code is unknown to this version).
    pub reason: Option<DeadLetterReason>,
    /// Human-readable detail (the handler's error message, or the decode error).
    pub detail: String,
    /// How many times it had been delivered.
    pub deliveries: u32,
    /// The original `envelope` field as stored (JSON text), if it had one.
    pub envelope: Option<String>,
    /// All original fields as a JSON object, when the entry had no text `envelope` field.
    pub original_fields: Option<String>,
}

impl DeadLetter {
    /// Decodes the original envelope, e.g. to publish it again after a fix.
    pub fn decode_envelope(&self) -> Option<RawEnvelope> {
        serde_json::from_str(self.envelope.as_deref()?).ok()
    }

    pub(crate) fn from_fields(dead_letter_id: String, fields: &HashMap<String, Value>) -> Self {
        let text = |field: &str| field_text(fields, field).unwrap_or_default();
        Self {
            dead_letter_id,
            original_id: text("original_id"),
            stream: text("stream"),
            group: text("group"),
            consumer: text("consumer"),
            reason: DeadLetterReason::from_code(&text("reason")),
            detail: text("detail"),
            deliveries: text("deliveries").parse().unwrap_or(0),
            envelope: field_text(fields, FIELD_ENVELOPE),
            original_fields: field_text(fields, "original_fields"),
        }
    }
}

/// Everything needed to move one entry to the dead-letter stream.
pub(crate) struct DeadLetterMove<'a> {
    pub stream_key: &'a str,
    pub dead_letter_key: &'a str,
    pub max_len: usize,
    pub stream: &'a str,
    pub group: &'a str,
    pub consumer: &'a str,
    pub entry_id: &'a str,
    pub fields: &'a HashMap<String, Value>,
    pub reason: DeadLetterReason,
    pub detail: &'a str,
    pub deliveries: u32,
}

impl DeadLetterMove<'_> {
    /// Appends the dead letter and acknowledges the original, atomically.
    pub(crate) async fn execute(
        &self,
        connection: &mut impl ConnectionLike,
    ) -> Result<(), BusError> {
        let mut pairs: Vec<(&str, String)> = vec![
            ("reason", self.reason.code().to_owned()),
            ("detail", self.detail.to_owned()),
            ("original_id", self.entry_id.to_owned()),
            ("stream", self.stream.to_owned()),
            ("group", self.group.to_owned()),
            ("consumer", self.consumer.to_owned()),
            ("deliveries", self.deliveries.to_string()),
            ("dead_at", chrono::Utc::now().to_rfc3339()),
        ];
        match field_text(self.fields, FIELD_ENVELOPE) {
            Some(envelope) => pairs.push((FIELD_ENVELOPE, envelope)),
            None => pairs.push(("original_fields", fields_as_json(self.fields))),
        }
        redis::pipe()
            .atomic()
            .cmd("XADD")
            .arg(self.dead_letter_key)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.max_len)
            .arg("*")
            .arg(&pairs)
            .ignore()
            .cmd("XACK")
            .arg(self.stream_key)
            .arg(self.group)
            .arg(self.entry_id)
            .ignore()
            .query_async::<()>(connection)
            .await?;
        Ok(())
    }
}
