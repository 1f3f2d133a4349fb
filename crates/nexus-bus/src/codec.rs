//! How an envelope is laid out in a stream entry.
//!
//! An entry has two fields: `name` (the event name, so `XRANGE` output is readable by people) and
//! `envelope` (the whole [`RawEnvelope`] as JSON, the only field consumers read). Pub/sub messages
//! carry the same JSON.

use std::collections::HashMap;

use nexus_proto::event::RawEnvelope;
use redis::Value;

/// Field holding the event name.
pub(crate) const FIELD_NAME: &str = "name";
/// Field holding the JSON envelope.
pub(crate) const FIELD_ENVELOPE: &str = "envelope";

/// Why a stream entry is poison.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EntryDecodeError {
    /// The entry has no `envelope` field (written by something else than this crate).
    #[error("the entry has no `envelope` field")]
    MissingEnvelope,
    /// The `envelope` field is not a string.
    #[error("the `envelope` field is not a string")]
    NotText,
    /// The `envelope` field is not a JSON envelope.
    #[error("the `envelope` field is not a valid envelope: {0}")]
    Json(serde_json::Error),
}

// Not `#[from]`: the message names the JSON error already (it goes into dead letters), so it is
// not also the source.
impl From<serde_json::Error> for EntryDecodeError {
    fn from(error: serde_json::Error) -> Self {
        Self::Json(error)
    }
}

/// The raw text of a field, if it is a string-like value.
pub(crate) fn field_text(fields: &HashMap<String, Value>, field: &str) -> Option<String> {
    match fields.get(field)? {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(text) => Some(text.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Decodes the envelope of a stream entry.
pub(crate) fn decode_entry(
    fields: &HashMap<String, Value>,
) -> Result<RawEnvelope, EntryDecodeError> {
    let value = fields
        .get(FIELD_ENVELOPE)
        .ok_or(EntryDecodeError::MissingEnvelope)?;
    let Value::BulkString(bytes) = value else {
        return Err(EntryDecodeError::NotText);
    };
    Ok(serde_json::from_slice(bytes)?)
}

/// All fields as a JSON object of strings, for dead-lettering an entry that is not ours.
pub(crate) fn fields_as_json(fields: &HashMap<String, Value>) -> String {
    let object: serde_json::Map<String, serde_json::Value> = fields
        .keys()
        .map(|field| {
            let text = field_text(fields, field).unwrap_or_else(|| "<non-text value>".to_owned());
            (field.clone(), serde_json::Value::String(text))
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}
