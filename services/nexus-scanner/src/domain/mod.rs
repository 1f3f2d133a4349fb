//! Pure rules of the scanner service: no I/O, no framework, unit- and property-tested next to the
//! code. Planned: submission limits, report formats and rule ownership (detection logic lives in
//! the scanner engine crate).
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`ScannerError`](crate::error::ScannerError) wraps.
