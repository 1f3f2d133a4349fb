//! What reputation is computed from: a settled assertion, its file type and the revealed
//! confidence.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ChainAddress;
use crate::bounty::ArtifactKind;
use crate::settlement::{Outcome, Verdict};

/// The type of an artifact, as reputation breaks it down ("best at Mach-O").
///
/// Coarser than the analysis report's `FileType` (`nexus_proto::report::FileType`): a PDF, an
/// OOXML and an OLE2 file are all documents to an analyst, and URLs and contracts are types of
/// their own so that every artifact has one. [`FileType::from_report_name`] maps the report's
/// names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// Windows Portable Executable.
    Pe,
    /// Executable and Linkable Format.
    Elf,
    /// Mach-O, thin or fat.
    Macho,
    /// PDF, Office Open XML or OLE2 document.
    Document,
    /// Script text (shell, PowerShell, JavaScript, ...).
    Script,
    /// An archive (ZIP that is not a document).
    Archive,
    /// A URL artifact.
    Url,
    /// A deployed contract artifact.
    Contract,
    /// Anything else, including files whose type is unknown.
    Other,
}

impl FileType {
    /// Every file type, in a fixed order (leaderboards list them so).
    pub const ALL: [FileType; 9] = [
        FileType::Pe,
        FileType::Elf,
        FileType::Macho,
        FileType::Document,
        FileType::Script,
        FileType::Archive,
        FileType::Url,
        FileType::Contract,
        FileType::Other,
    ];

    /// The stable snake_case name (API, database, Redis keys).
    pub const fn as_str(self) -> &'static str {
        match self {
            FileType::Pe => "pe",
            FileType::Elf => "elf",
            FileType::Macho => "macho",
            FileType::Document => "document",
            FileType::Script => "script",
            FileType::Archive => "archive",
            FileType::Url => "url",
            FileType::Contract => "contract",
            FileType::Other => "other",
        }
    }

    /// The file type named `name` (one of [`FileType::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|file_type| file_type.as_str() == name)
    }

    /// The file type of a file whose analysis report says `type: <report_name>`
    /// (`pe`, `elf`, `macho`, `pdf`, `zip`, `ooxml`, `ole2`, `script`, `text`, `unknown`).
    /// A name the report may add later is [`FileType::Other`].
    pub fn from_report_name(report_name: &str) -> Self {
        match report_name {
            "pe" => FileType::Pe,
            "elf" => FileType::Elf,
            "macho" => FileType::Macho,
            "pdf" | "ooxml" | "ole2" => FileType::Document,
            "zip" => FileType::Archive,
            "script" => FileType::Script,
            _ => FileType::Other,
        }
    }

    /// The file type every artifact of `kind` has when it is not a file (URL, contract), or
    /// `None` for files, whose type comes from their report.
    pub fn of_non_file(kind: ArtifactKind) -> Option<Self> {
        match kind {
            ArtifactKind::File => None,
            ArtifactKind::Url => Some(FileType::Url),
            ArtifactKind::Contract => Some(FileType::Contract),
        }
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The breakdown key of a per-type score: the artifact kind and its file type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Category {
    /// File, URL or contract.
    pub kind: ArtifactKind,
    /// The file type (`Url` and `Contract` for those kinds).
    pub file_type: FileType,
}

/// A revealed confidence: the analyst's probability, in percent, that their verdict is right.
///
/// The contract carries it as a `uint8` from 0 to 100 (`BountyContract.MAX_CONFIDENCE`).
/// Scoring reads anything below 50 as 50 ([`Confidence::probability`]): a verdict its own author
/// thinks is more likely wrong than right is a coin flip, not a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Confidence(u8);

impl Confidence {
    /// Largest confidence, as the contract's `MAX_CONFIDENCE`.
    pub const MAX_PERCENT: u8 = 100;
    /// Certainty.
    pub const CERTAIN: Confidence = Confidence(100);
    /// A coin flip: the least confidence scoring reads.
    pub const COIN_FLIP: Confidence = Confidence(50);

    /// The confidence of `percent`, or `None` above 100 (the contract refuses such a reveal).
    pub const fn from_percent(percent: u8) -> Option<Self> {
        if percent <= Self::MAX_PERCENT {
            Some(Confidence(percent))
        } else {
            None
        }
    }

    /// The confidence as revealed, 0 to 100.
    pub const fn percent(self) -> u8 {
        self.0
    }

    /// The probability scoring uses: `max(percent, 50) / 100`, in `[0.5, 1]`.
    pub fn probability(self) -> f64 {
        f64::from(self.0.max(Self::COIN_FLIP.0)) / 100.0
    }
}

impl TryFrom<u8> for Confidence {
    type Error = ConfidenceOutOfRange;

    fn try_from(percent: u8) -> Result<Self, Self::Error> {
        Confidence::from_percent(percent).ok_or(ConfidenceOutOfRange(percent))
    }
}

impl From<Confidence> for u8 {
    fn from(confidence: Confidence) -> u8 {
        confidence.0
    }
}

/// A confidence above 100 percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfidenceOutOfRange(pub u8);

impl fmt::Display for ConfidenceOutOfRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "a confidence is a percentage from 0 to 100, not {}",
            self.0
        )
    }
}

impl std::error::Error for ConfidenceOutOfRange {}

/// One analyst's assertion on a bounty whose outcome is final: what reputation is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct SettledAssertion {
    /// Who asserted (the wallet that revealed).
    pub analyst: ChainAddress,
    /// The bounty, by its on-chain id.
    pub bounty_id: u64,
    /// File, URL or contract.
    pub kind: ArtifactKind,
    /// The artifact's file type ([`FileType::Url`] / [`FileType::Contract`] for those kinds).
    pub file_type: FileType,
    /// The malware family the analyst named, if any, normalised by [`normalize_family`].
    pub family: Option<String>,
    /// The revealed verdict.
    pub verdict: Verdict,
    /// The revealed confidence.
    pub confidence: Confidence,
    /// The analyst's stake on this assertion, in wei.
    pub stake_wei: u128,
    /// The bounty's final outcome (after any ruling or re-judgement). [`Outcome::Invalid`] scores
    /// nothing: nobody was right or wrong.
    pub outcome: Outcome,
    /// When the bounty settled (Unix seconds, the block time). Re-judgement keeps this time: the
    /// work was done then.
    pub settled_at: u64,
}

impl SettledAssertion {
    /// Whether the verdict matches the outcome; `None` when the outcome is invalid.
    pub fn is_right(&self) -> Option<bool> {
        self.outcome
            .winning_verdict()
            .map(|winner| winner == self.verdict)
    }

    /// The per-type breakdown key.
    pub fn category(&self) -> Category {
        Category {
            kind: self.kind,
            file_type: self.file_type,
        }
    }
}

/// A malware family tag as scores are keyed by it: trimmed, lower-case, inner whitespace as one
/// `-`; `None` when nothing is left. `"  Emotet "` and `"emotet"` are one family.
pub fn normalize_family(tag: &str) -> Option<String> {
    let words: Vec<&str> = tag.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    Some(words.join("-").to_lowercase())
}
