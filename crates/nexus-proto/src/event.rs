//! Typed bus events and their envelope.
//!
//! Every event is a struct implementing [`Event`]; its name, version and stream are associated
//! constants, so call sites never spell an event name as a string literal.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// A domain event that travels over the bus.
///
/// Names are past tense (`BountyCreated`). `STREAM` is the versioned Redis stream the event is
/// published to, by convention `nexus:<owner>:<topic>:v<VERSION>`; bumping `VERSION` means a new
/// stream, so old consumers never see payloads they cannot decode.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Past-tense event name, e.g. `AnalysisCompleted`.
    const NAME: &'static str;
    /// Payload schema version.
    const VERSION: u32;
    /// Versioned Redis stream name, e.g. `nexus:analysis:events:v1`.
    const STREAM: &'static str;
}

/// The envelope every event travels in, on Streams, pub/sub and in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Unique event id (UUIDv7, so ids sort by creation time). Consumers are idempotent on it.
    pub id: Uuid,
    /// The event's [`Event::NAME`].
    pub name: String,
    /// The event's [`Event::VERSION`].
    pub version: u32,
    /// When the state change happened.
    pub occurred_at: DateTime<Utc>,
    /// W3C `traceparent` of the operation that produced the event, to continue the trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The event itself.
    pub payload: T,
}

impl<T: Event> Envelope<T> {
    /// Wraps `payload` with a fresh UUIDv7 id and the current time.
    pub fn new(payload: T) -> Self {
        Self {
            id: Uuid::now_v7(),
            name: T::NAME.to_owned(),
            version: T::VERSION,
            occurred_at: Utc::now(),
            traceparent: None,
            payload,
        }
    }

    /// Sets the W3C `traceparent` that consumers continue.
    #[must_use]
    pub fn with_traceparent(mut self, traceparent: Option<String>) -> Self {
        self.traceparent = traceparent;
        self
    }
}

/// An envelope whose payload is still raw JSON: what relays and dead-letter tooling handle
/// without knowing the concrete event type.
pub type RawEnvelope = Envelope<serde_json::Value>;

impl RawEnvelope {
    /// Decodes the payload as `T`, checking that name and version match `T`.
    pub fn decode<T: Event>(self) -> Result<Envelope<T>, EnvelopeError> {
        if self.name != T::NAME || self.version != T::VERSION {
            return Err(EnvelopeError::WrongType {
                expected: T::NAME,
                expected_version: T::VERSION,
                found: self.name,
                found_version: self.version,
            });
        }
        let payload = serde_json::from_value(self.payload).map_err(EnvelopeError::Payload)?;
        Ok(Envelope {
            id: self.id,
            name: self.name,
            version: self.version,
            occurred_at: self.occurred_at,
            traceparent: self.traceparent,
            payload,
        })
    }
}

impl<T: Event> Envelope<T> {
    /// A [`RawEnvelope`] copy of this envelope (payload as JSON), e.g. for an outbox row.
    pub fn to_raw(&self) -> Result<RawEnvelope, serde_json::Error> {
        Ok(Envelope {
            id: self.id,
            name: self.name.clone(),
            version: self.version,
            occurred_at: self.occurred_at,
            traceparent: self.traceparent.clone(),
            payload: serde_json::to_value(&self.payload)?,
        })
    }

    /// Converts to a [`RawEnvelope`] (payload as JSON), e.g. to store it in an outbox row.
    pub fn into_raw(self) -> Result<RawEnvelope, serde_json::Error> {
        Ok(Envelope {
            id: self.id,
            name: self.name,
            version: self.version,
            occurred_at: self.occurred_at,
            traceparent: self.traceparent,
            payload: serde_json::to_value(self.payload)?,
        })
    }
}

/// Why a raw envelope could not be decoded into a typed one.
#[derive(Debug)]
pub enum EnvelopeError {
    /// The envelope carries a different event (or version) than the one asked for.
    WrongType {
        /// Name asked for.
        expected: &'static str,
        /// Version asked for.
        expected_version: u32,
        /// Name found.
        found: String,
        /// Version found.
        found_version: u32,
    },
    /// The payload is not valid for the event type.
    Payload(serde_json::Error),
}

impl std::fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::WrongType {
                expected,
                expected_version,
                found,
                found_version,
            } => write!(
                f,
                "expected event {expected} v{expected_version}, found {found} v{found_version}"
            ),
            Self::Payload(error) => write!(f, "event payload does not match its type: {error}"),
        }
    }
}

impl std::error::Error for EnvelopeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::WrongType { .. } => None,
            Self::Payload(error) => Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct SampleStored {
        sha256: String,
    }

    impl Event for SampleStored {
        const NAME: &'static str = "SampleStored";
        const VERSION: u32 = 1;
        const STREAM: &'static str = "nexus:test:samples:v1";
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Other;

    impl Event for Other {
        const NAME: &'static str = "Other";
        const VERSION: u32 = 1;
        const STREAM: &'static str = "nexus:test:other:v1";
    }

    #[test]
    fn envelope_round_trips_through_raw_json() {
        let envelope = Envelope::new(SampleStored {
            sha256: "ab".into(),
        });
        let json = serde_json::to_string(&envelope).unwrap();
        let raw: RawEnvelope = serde_json::from_str(&json).unwrap();
        let decoded = raw.decode::<SampleStored>().unwrap();
        assert_eq!(decoded, envelope);
    }

    #[test]
    fn decoding_as_the_wrong_event_type_is_refused() {
        let raw = Envelope::new(SampleStored {
            sha256: "ab".into(),
        })
        .into_raw()
        .unwrap();
        let error = raw.decode::<Other>().unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected event Other v1, found SampleStored v1")
        );
    }

    #[test]
    fn new_envelopes_get_distinct_time_ordered_ids() {
        let first = Envelope::new(Other);
        let second = Envelope::new(Other);
        assert!(first.id < second.id);
    }
}
