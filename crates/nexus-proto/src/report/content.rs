//! Content findings: strings, IOCs, YARA matches and behavioural indicators.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Printable strings found in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StringsReport {
    /// How many strings were found in total (may exceed `items.len()`).
    pub total: u64,
    /// `true` when `items` was cut at the configured maximum.
    pub truncated: bool,
    /// The strings kept, in file order.
    pub items: Vec<ExtractedString>,
}

/// One extracted string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExtractedString {
    /// File offset of the first byte.
    pub offset: u64,
    /// Encoding it was found in.
    pub encoding: StringEncoding,
    /// The text (bounded in length).
    pub value: String,
}

/// Encoding of an extracted string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StringEncoding {
    /// Printable ASCII bytes.
    #[default]
    Ascii,
    /// UTF-16 little-endian with printable ASCII code units.
    Utf16le,
}

/// Indicators of compromise found in the strings; each list is sorted and deduplicated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Iocs {
    /// `http`, `https`, `ftp` URLs.
    pub urls: Vec<String>,
    /// Domain names with a known top-level domain.
    pub domains: Vec<String>,
    /// IPv4 addresses.
    pub ipv4: Vec<String>,
    /// IPv6 addresses.
    pub ipv6: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Bitcoin addresses (base58 P2PKH/P2SH and bech32).
    pub btc_addresses: Vec<String>,
    /// Ethereum addresses.
    pub eth_addresses: Vec<String>,
    /// Windows registry keys.
    pub registry_keys: Vec<String>,
    /// Windows and Unix file paths.
    pub file_paths: Vec<String>,
}

/// One matching YARA rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct YaraMatch {
    /// Rule identifier.
    pub rule: String,
    /// Rule namespace (the ruleset file's stem when loaded from a directory).
    pub namespace: String,
    /// Rule tags.
    pub tags: Vec<String>,
    /// Rule metadata.
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Patterns that matched, with bounded offsets.
    pub strings: Vec<YaraStringMatch>,
}

/// One YARA pattern's matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct YaraStringMatch {
    /// Pattern identifier including `$`.
    pub identifier: String,
    /// Number of matches reported by the scanner.
    pub count: u64,
    /// File offsets of the first matches (bounded).
    pub offsets: Vec<u64>,
}

/// A behavioural indicator derived from static features.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Indicator {
    /// Stable snake_case identifier (`process_injection_imports`, `upx_sections`, ...).
    pub id: String,
    /// How much it weighs.
    pub severity: Severity,
    /// Human-readable description.
    pub description: String,
    /// MITRE ATT&CK technique id (`T1055`, `T1027.002`, ...), when one applies.
    #[serde(default)]
    pub mitre_attack: Option<String>,
    /// The features that triggered it (import names, section names, values).
    pub evidence: Vec<String>,
}

/// Indicator severity.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context only; does not raise the score.
    #[default]
    Info,
    /// Weak signal.
    Low,
    /// Worth a look.
    Medium,
    /// Strong signal.
    High,
    /// Near-certain malice (e.g. a known-malware YARA rule).
    Critical,
}
