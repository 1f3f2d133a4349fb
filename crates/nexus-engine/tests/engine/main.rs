//! Integration tests of nexus-engine, in one binary (yara-x makes each test binary slow to link).
//!
//! - facts the fixtures' authors assert (YARA's test suite) and observed values from the fixtures
//!   README, by format: [`fixtures_hashes`] (whole-file hashes, entropy, type, EICAR),
//!   [`fixtures_pe`], [`fixtures_pe_rich`] (rich headers, signatures, .NET, malformed headers),
//!   [`fixtures_elf`], [`fixtures_macho`].
//! - [`hostile`]: truncated, mutated and crafted inputs never lose the report or crash.
//! - [`reference_tools`]: hashes and imphash against `ssdeep`, `tlsh`, `yara` and Python's pefile,
//!   on the fixtures and on PE files built here with mingw-w64. These fail (never skip) when a tool
//!   is missing; `scripts/engine-tools.sh` installs them.
//! - [`ssdeep_tool`]: our ssdeep against the `ssdeep` tool on edge-case and random inputs.
//! - [`schema`]: the published JSON Schema is up to date.
//! - [`pipeline`]: stage bookkeeping, limits, YARA rule loading.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod fixtures_elf;
mod fixtures_hashes;
mod fixtures_macho;
mod fixtures_pe;
mod fixtures_pe_rich;
mod hostile;
mod pipeline;
mod reference_tools;
mod schema;
mod ssdeep_tool;
