//! Engine limits and knobs. Defaults suit a service analysing untrusted uploads.

use std::time::Duration;

/// Configuration for one [`crate::Engine`]. Build it with [`EngineConfig::default`] and change fields.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Files larger than this are rejected by validation (nothing else runs).
    pub max_file_size: u64,
    /// Time budget for each format parser (PE, ELF, Mach-O); past it the stage reports `timeout`.
    pub parse_time_budget: Duration,
    /// Per-scan timeout handed to yara-x.
    pub yara_timeout: Duration,
    /// Maximum match offsets kept per YARA pattern.
    pub yara_max_offsets: usize,
    /// Minimum length, in characters, of an extracted string.
    pub min_string_length: usize,
    /// Maximum number of strings kept in the report (IOCs are still pulled from all of them, up to
    /// `max_strings_scanned`).
    pub max_strings: usize,
    /// Maximum number of strings scanned for IOCs.
    pub max_strings_scanned: usize,
    /// Strings longer than this are cut (in characters).
    pub max_string_length: usize,
    /// Maximum entries kept per IOC category.
    pub max_iocs_per_kind: usize,
    /// Maximum PE resources, ELF symbols, Mach-O load commands etc. kept per list.
    pub max_list_entries: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_file_size: 256 * 1024 * 1024,
            parse_time_budget: Duration::from_secs(10),
            yara_timeout: Duration::from_secs(30),
            yara_max_offsets: 16,
            min_string_length: 5,
            max_strings: 2_000,
            max_strings_scanned: 200_000,
            max_string_length: 1_024,
            max_iocs_per_kind: 500,
            max_list_entries: 10_000,
        }
    }
}
