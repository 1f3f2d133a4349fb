//! Rows for `COPY ... FROM STDIN (FORMAT binary)`: the ingest's two large writes (log rows and
//! outbox rows) go through `COPY` rather than `INSERT ... SELECT FROM UNNEST(arrays)`, which
//! measured twice as slow for 2,000 rows here: the arrays are built, sent, taken apart and
//! materialized again by `UNNEST` before the first row is inserted (docs/CHAIN_LISTENER.md,
//! "Backfill benchmark"). The binary format needs no escaping: every value is its length and its
//! bytes (PostgreSQL's `*_recv` input of each type).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The signature, flags and header extension length that open a binary `COPY` stream.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A binary `COPY` stream being written, row by row.
#[derive(Debug)]
pub(super) struct BinaryRows {
    buffer: Vec<u8>,
}

impl BinaryRows {
    /// A stream of about `rows` rows of about `row_bytes` bytes each.
    pub(super) fn with_capacity(rows: usize, row_bytes: usize) -> Self {
        let mut buffer = Vec::with_capacity(HEADER.len() + rows * row_bytes + 2);
        buffer.extend_from_slice(HEADER);
        Self { buffer }
    }

    /// Starts a row of `fields` values (each then written in column order).
    pub(super) fn row(&mut self, fields: i16) -> &mut Self {
        self.buffer.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        // A value is far below 2 GiB (a log's fields, one envelope).
        let length = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
        self.buffer.extend_from_slice(&length.to_be_bytes());
        self.buffer.extend_from_slice(bytes);
        self
    }

    /// A NULL.
    pub(super) fn null(&mut self) -> &mut Self {
        self.buffer.extend_from_slice(&(-1_i32).to_be_bytes());
        self
    }

    /// A `bigint`.
    pub(super) fn bigint(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    /// A `text`, or a `json` (whose binary input is its text).
    pub(super) fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes())
    }

    /// A `text` or NULL.
    pub(super) fn optional_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    /// A `uuid`.
    pub(super) fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.field(value.as_bytes())
    }

    /// A `uuid` or NULL.
    pub(super) fn optional_uuid(&mut self, value: Option<Uuid>) -> &mut Self {
        match value {
            Some(value) => self.uuid(value),
            None => self.null(),
        }
    }

    /// A `timestamptz`: microseconds since 2000-01-01 UTC.
    pub(super) fn timestamptz(&mut self, value: DateTime<Utc>) -> &mut Self {
        self.bigint(value.timestamp_micros() - POSTGRES_EPOCH_MICROS)
    }

    /// The stream, closed by its trailer.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.buffer.extend_from_slice(&(-1_i16).to_be_bytes());
        self.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_its_field_count_then_each_length_and_bytes() {
        let mut rows = BinaryRows::with_capacity(1, 32);
        rows.row(3).bigint(7).optional_text(None).text("ab");
        let bytes = rows.finish();
        let mut expected = b"PGCOPY\n\xff\r\n\0".to_vec();
        expected.extend_from_slice(&[0; 8]); // flags, header extension length
        expected.extend_from_slice(&[0, 3]);
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7]);
        expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        expected.extend_from_slice(&[0, 0, 0, 2, b'a', b'b']);
        expected.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn a_time_counts_from_the_postgres_epoch() {
        let mut rows = BinaryRows::with_capacity(1, 16);
        let epoch = DateTime::from_timestamp(946_684_800, 1_000).expect("a time");
        rows.row(1).timestamptz(epoch);
        let bytes = rows.finish();
        assert_eq!(
            &bytes[HEADER.len() + 2..HEADER.len() + 14],
            &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]
        );
    }
}
