//! The dead-letter stream: where entries go that no redelivery will fix.
//!
//! For a stream `S` the dead-letter stream is `S:dead` (under the same key prefix). Moving an entry
//! there is one `MULTI`: `XADD` to `S:dead` and `XACK` on `S`, so an entry is never both dead and
//! pending, nor lost between the two. The original entry stays in `S` until trimmed.

use std::collections::HashMap;

use nexus_proto::event::RawEnvelope;
use redis::Value;
use redis::aio::ConnectionLike;
use redis::streams::StreamRangeReply;

use crate::bus::Bus;
use crate::codec::{FIELD_ENVELOPE, FIELD_NAME, field_text, fields_as_json};
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

impl Bus {
    /// The oldest `count` dead letters of `stream` (unprefixed name of the original stream).
    pub async fn dead_letters(
        &self,
        stream: &str,
        count: usize,
    ) -> Result<Vec<DeadLetter>, BusError> {
        let reply: StreamRangeReply = redis::cmd("XRANGE")
            .arg(self.key(&Self::dead_letter_stream(stream)))
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(reply
            .ids
            .into_iter()
            .map(|entry| DeadLetter::from_fields(entry.id, &entry.map))
            .collect())
    }

    /// Appends a dead letter's original envelope to `stream` again and deletes the dead letter,
    /// atomically, once the cause is fixed. Returns the new entry id, or `None` if there is no such
    /// dead letter or it has no envelope (a foreign entry cannot be replayed).
    ///
    /// Every group of the stream sees the entry again, including groups that had handled it; the
    /// envelope id is unchanged, so idempotent handlers skip it. Live subscribers do not see it.
    pub async fn requeue_dead_letter(
        &self,
        stream: &str,
        dead_letter_id: &str,
    ) -> Result<Option<String>, BusError> {
        let dead_letter_key = self.key(&Self::dead_letter_stream(stream));
        let mut connection = self.connection.clone();
        let found: StreamRangeReply = redis::cmd("XRANGE")
            .arg(&dead_letter_key)
            .arg(dead_letter_id)
            .arg(dead_letter_id)
            .query_async(&mut connection)
            .await?;
        let Some(entry) = found.ids.into_iter().next() else {
            return Ok(None);
        };
        let Some(envelope) = field_text(&entry.map, FIELD_ENVELOPE) else {
            return Ok(None);
        };
        let event_name = serde_json::from_str::<RawEnvelope>(&envelope)
            .map(|decoded| decoded.name)
            .unwrap_or_default();
        let (entry_id, _deleted): (String, i64) = redis::pipe()
            .atomic()
            .cmd("XADD")
            .arg(self.key(stream))
            .arg("MAXLEN")
            .arg("~")
            .arg(self.settings.stream_max_len)
            .arg("*")
            .arg(FIELD_NAME)
            .arg(event_name)
            .arg(FIELD_ENVELOPE)
            .arg(&envelope)
            .cmd("XDEL")
            .arg(&dead_letter_key)
            .arg(dead_letter_id)
            .query_async(&mut connection)
            .await?;
        Ok(Some(entry_id))
    }
}
