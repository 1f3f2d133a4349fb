//! The versioned static-analysis report: what `nexus-engine` produces for one sample.
//!
//! Layout:
//! - [`AnalysisReport`] is the root. Its top-level names (`hashes`, `entropy`, `file`, `pe`, `elf`,
//!   `macho`, `strings`, `iocs`, `yara`, `indicators`, `score`, `verdict`, `stages`) are a public
//!   contract: other tools read them, so renaming one is a breaking change and bumps
//!   [`REPORT_SCHEMA_VERSION`]'s major number.
//! - [`pe`], [`elf`] and [`macho`] hold the format-specific parts; [`content`] holds strings, IOCs,
//!   YARA matches and behavioural indicators.
//!
//! The JSON Schema generated from these types is published at `docs/schemas/analysis-report.v1.json`
//! and a test in `nexus-engine` fails when it is stale.
//!
//! Conventions: sizes and offsets are bytes; addresses are plain integers (not hex strings); hashes
//! are lower-case hex except TLSH, which keeps its upper-case `T1` form; entropy is Shannon entropy
//! in bits per byte (0.0–8.0); times are RFC 3339 UTC strings. A stage that failed or timed out
//! leaves its part empty (`null` or `[]`) and lists its error in [`AnalysisReport::stages`].

pub mod content;
pub mod elf;
pub mod macho;
pub mod pe;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use content::{
    ExtractedString, Indicator, Iocs, Severity, StringEncoding, StringsReport, YaraMatch,
    YaraStringMatch,
};
pub use elf::{ElfHardening, ElfReport, ElfSection, ElfSegment, ElfSymbol};
pub use macho::{MachoArch, MachoReport, MachoSection, MachoSegment};
pub use pe::{
    PeCertificate, PeChecksum, PeExport, PeImportFunction, PeImportLibrary, PeOverlay, PePdb,
    PeReport, PeResource, PeRichEntry, PeRichHeader, PeSection, PeSignature,
};

/// Version of the report schema. Minor bumps add optional fields; major bumps rename or remove.
pub const REPORT_SCHEMA_VERSION: &str = "1.0.0";

/// The complete static-analysis report for one sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisReport {
    /// [`REPORT_SCHEMA_VERSION`] of the producer.
    pub schema_version: String,
    /// Version of the engine that produced the report.
    pub engine_version: String,
    /// What the file is: size, detected type and MIME type.
    pub file: FileInfo,
    /// Cryptographic and fuzzy hashes of the whole file (plus imphash for PE).
    pub hashes: Hashes,
    /// Shannon entropy of the whole file, bits per byte.
    pub entropy: f64,
    /// PE details, when the file is a PE that parsed at least partly.
    #[serde(default)]
    pub pe: Option<PeReport>,
    /// ELF details, when the file is an ELF that parsed.
    #[serde(default)]
    pub elf: Option<ElfReport>,
    /// Mach-O details (thin or fat), when the file is a Mach-O that parsed.
    #[serde(default)]
    pub macho: Option<MachoReport>,
    /// Printable strings found in the file (bounded).
    pub strings: StringsReport,
    /// Indicators of compromise pulled from the strings.
    pub iocs: Iocs,
    /// YARA rules that matched.
    pub yara: Vec<YaraMatch>,
    /// Behavioural indicators derived from static features.
    pub indicators: Vec<Indicator>,
    /// Aggregated suspicion score, 0 (nothing found) to 100 (certainly malicious).
    pub score: u8,
    /// Verdict hint derived from the score and the strongest findings.
    pub verdict: VerdictHint,
    /// Human-readable reasons behind `score` and `verdict`, strongest first.
    pub verdict_reasons: Vec<String>,
    /// Every pipeline stage that ran, in order, with its duration and error if any.
    pub stages: Vec<StageReport>,
}

/// Basic facts about the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FileInfo {
    /// Size in bytes.
    pub size: u64,
    /// MIME type derived from the content (never from the file name).
    pub mime: String,
    /// Detected file type.
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Finer detail when known: `pe32`, `pe32+`, `elf64`, `macho_fat`, `docx`, `powershell`, ...
    #[serde(default)]
    pub subtype: Option<String>,
    /// One-line human description, e.g. `PE32+ executable (DLL) x86-64`.
    pub description: String,
}

/// File type detected from the content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// Windows Portable Executable (EXE, DLL, SYS, .NET assembly).
    Pe,
    /// Executable and Linkable Format.
    Elf,
    /// Mach-O, thin or fat (`macho.is_fat` tells which).
    Macho,
    /// PDF document.
    Pdf,
    /// ZIP archive that is not an Office Open XML document.
    Zip,
    /// Office Open XML document (docx, xlsx, pptx), a ZIP container.
    Ooxml,
    /// OLE2 compound file (legacy Office documents, MSI).
    Ole2,
    /// Script text (shell, PowerShell, batch, JavaScript, VBScript, Python, ...).
    Script,
    /// Other text.
    Text,
    /// Anything else.
    #[default]
    Unknown,
}

/// Hashes of the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Hashes {
    /// MD5, lower-case hex.
    pub md5: String,
    /// SHA-1, lower-case hex.
    pub sha1: String,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// ssdeep (CTPH) in the `ssdeep` tool's format `blocksize:hash1:hash2`.
    #[serde(default)]
    pub ssdeep: Option<String>,
    /// TLSH 4.x digest with its `T1` prefix; `null` when the file is too small or too uniform.
    #[serde(default)]
    pub tlsh: Option<String>,
    /// Import hash (pefile/YARA algorithm) for PE files with imports.
    #[serde(default)]
    pub imphash: Option<String>,
}

/// Verdict hint; the final verdict on the platform comes from staked assertions, not from here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictHint {
    /// Strong static evidence of malice (e.g. a high-severity YARA match or many strong indicators).
    Malicious,
    /// Some evidence worth a human look.
    Suspicious,
    /// Parsed cleanly and nothing suspicious was found.
    Benign,
    /// Not enough information (e.g. unknown format or failed stages).
    #[default]
    Unknown,
}

/// One pipeline stage's outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageReport {
    /// Stage name: `validate`, `detect`, `hashes`, `entropy`, `pe`, `elf`, `macho`, `strings`,
    /// `iocs`, `yara`, `indicators`, `score`.
    pub name: String,
    /// Wall-clock duration in milliseconds.
    pub ms: f64,
    /// Why the stage failed or was cut short; `null` when it succeeded.
    #[serde(default)]
    pub error: Option<String>,
    /// Stable snake_case code of the error (`timeout`, `parse_failed`, `panicked`, ...).
    #[serde(default)]
    pub error_code: Option<String>,
}

/// The JSON Schema (draft 2020-12) of [`AnalysisReport`], generated from these types. It is
/// published as `docs/schemas/analysis-report.v1.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(AnalysisReport)).unwrap_or_default()
}
