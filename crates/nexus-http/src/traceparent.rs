//! W3C Trace Context (`traceparent`) parsing and propagation.

use std::fmt;

use nexus_core::hex;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};

/// Header name of the W3C trace context.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// One position in a distributed trace: the trace it belongs to and the span that is the parent
/// of whatever happens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    trace_id: [u8; 16],
    span_id: [u8; 8],
    sampled: bool,
}

impl TraceParent {
    /// Starts a new trace (sampled).
    pub fn new_root() -> Self {
        Self {
            trace_id: nonzero_random(),
            span_id: nonzero_random(),
            sampled: true,
        }
    }

    /// Parses a `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`). Malformed values, the
    /// forbidden version `ff` and all-zero ids are refused, as the W3C spec requires; the caller
    /// then starts a new trace.
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.trim().split('-');
        let version = parts.next()?;
        let trace_hex = parts.next()?;
        let span_hex = parts.next()?;
        let flags_hex = parts.next()?;
        // The spec allows only two lower-case hex digits for the version (`ff` is forbidden),
        // and only lower-case digits in ids and flags; anything else is refused.
        let [version_byte]: [u8; 1] = hex::decode_lower_array(version)?;
        if version_byte == 0xff || (version_byte == 0 && parts.next().is_some()) {
            return None;
        }
        let trace_id: [u8; 16] = hex::decode_lower_array(trace_hex)?;
        let span_id: [u8; 8] = hex::decode_lower_array(span_hex)?;
        let [flags]: [u8; 1] = hex::decode_lower_array(flags_hex)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The same trace with a fresh span id: this hop's own span, the parent of calls it makes.
    pub fn child(&self) -> Self {
        Self {
            span_id: nonzero_random(),
            ..*self
        }
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex::encode(&self.trace_id)
    }

    /// This span's id as 16 lower-case hex digits.
    pub fn span_id_hex(&self) -> String {
        hex::encode(&self.span_id)
    }

    /// The OpenTelemetry context whose remote parent is this position, for `set_parent`.
    pub fn to_otel_context(&self) -> opentelemetry::Context {
        let flags = if self.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let span_context = SpanContext::new(
            TraceId::from_bytes(self.trace_id),
            SpanId::from_bytes(self.span_id),
            flags,
            true,
            TraceState::default(),
        );
        opentelemetry::Context::new().with_remote_span_context(span_context)
    }
}

impl fmt::Display for TraceParent {
    /// The header value, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = if self.sampled { "01" } else { "00" };
        f.write_str("00-")?;
        f.write_str(&self.trace_id_hex())?;
        f.write_str("-")?;
        f.write_str(&self.span_id_hex())?;
        f.write_str("-")?;
        f.write_str(flags)
    }
}

fn nonzero_random<const N: usize>() -> [u8; N] {
    loop {
        let bytes: [u8; N] = rand::random();
        if bytes != [0; N] {
            return bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const EXAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn the_spec_example_round_trips() {
        let parsed = TraceParent::parse(EXAMPLE).unwrap();
        assert_eq!(parsed.to_string(), EXAMPLE);
        assert_eq!(parsed.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    #[test]
    fn a_child_keeps_the_trace_and_changes_the_span() {
        let parent = TraceParent::parse(EXAMPLE).unwrap();
        let child = parent.child();
        assert_eq!(child.trace_id_hex(), parent.trace_id_hex());
        assert_ne!(child.span_id_hex(), parent.span_id_hex());
    }

    #[test]
    fn invalid_headers_are_refused() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "FF-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "+1-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(TraceParent::parse(bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn a_later_version_may_carry_more_fields() {
        let parsed =
            TraceParent::parse("0a-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
        assert!(parsed.is_some());
    }

    #[test]
    fn unsampled_flag_is_kept() {
        let parsed =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap();
        assert!(parsed.to_string().ends_with("-00"));
    }
}
