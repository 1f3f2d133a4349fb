//! Integration tests of nexus-engine, in one binary (yara-x makes each test binary slow to link).
//!
//! - [`fixtures`]: facts the fixtures' authors assert (YARA's test suite) and observed values from
//!   the fixtures README.
//! - [`hostile`]: truncated, mutated and crafted inputs never lose the report or crash.
//! - [`reference_tools`]: hashes and imphash against `ssdeep`, `tlsh`, `yara` and Python's pefile,
//!   on the fixtures and on PE files built here with mingw-w64. These fail (never skip) when a tool
//!   is missing; `scripts/engine-tools.sh` installs them.
//! - [`schema`]: the published JSON Schema is up to date.
//! - [`pipeline`]: stage bookkeeping, limits, YARA rule loading.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod fixtures;
mod hostile;
mod pipeline;
mod reference_tools;
mod schema;
