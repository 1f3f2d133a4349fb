//! Static malware-analysis engine: bytes and configuration in, an [`AnalysisReport`] out.
//!
//! The engine never executes a sample and needs no services, async runtime or network. Call
//! [`Engine::analyze`] with the sample's bytes; every pipeline stage is timed and isolated, so a stage
//! that fails, panics or runs out of time leaves a partial report with its error in
//! [`AnalysisReport::stages`] instead of losing the report.
//!
//! Layout (one file per stage, in pipeline order):
//! - [`config`]: limits and knobs ([`EngineConfig`]).
//! - [`validate`]: size limits, empty files, truncated headers.
//! - [`detect`]: content-based type and MIME detection.
//! - [`hashes`]: MD5, SHA-1, SHA-256, ssdeep and TLSH in one pass; [`entropy`]: Shannon entropy.
//! - [`pe`], [`elf`], [`macho`]: format parsers built on goblin, plus the pieces goblin lacks
//!   (Rich header, delay imports, resources tree, version info, checksum, imphash, certificates).
//! - [`strings`] and [`iocs`]: printable strings and the indicators pulled from them.
//! - [`yara`]: rule compilation and scanning with yara-x.
//! - [`indicators`] and [`score`]: behavioural indicators and the 0–100 score with a verdict hint.
//! - [`similarity`]: ssdeep scores, TLSH distances and the index keys (ssdeep 7-grams, TLSH
//!   bands) that find similar samples without a full scan.
//! - [`pipeline`]: runs the stages; [`guard`]: `catch_unwind` plus time budgets around a stage.
//!
//! Architecture invariant: parsing hostile input must never take the process down. Parsers run
//! behind [`guard`], arithmetic on file-supplied values is checked, and every list the report
//! carries is bounded by [`EngineConfig`].

pub mod config;
pub mod detect;
pub mod elf;
pub mod entropy;
pub mod error;
pub mod guard;
pub mod hashes;
pub mod indicators;
pub mod iocs;
pub mod macho;
pub mod pe;
pub mod pipeline;
pub mod score;
pub mod similarity;
pub mod ssdeep;
pub mod strings;
pub mod validate;
#[cfg(feature = "yara")]
pub mod yara;
#[cfg(not(feature = "yara"))]
#[path = "yara_disabled.rs"]
pub mod yara;

mod bytes;

pub use config::EngineConfig;
pub use error::EngineError;
pub use nexus_proto::report::AnalysisReport;
pub use pipeline::Engine;
pub use yara::{RuleCompileError, RuleSet};

/// Version of this engine, written into every report.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
