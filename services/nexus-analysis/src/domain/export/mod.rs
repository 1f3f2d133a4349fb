//! Exports of a finished analysis for other tools: a STIX 2.1 bundle ([`stix`]) and a MISP event
//! ([`misp`]), served by `GET /v1/analyses/{id}/export?format=stix|misp`.
//!
//! Pure functions of the analysis (its report and timestamps): no I/O, so the same analysis
//! always exports the same bytes. Identifiers are UUIDv5 names derived from the sample's SHA-256
//! and the object's kind (and value, for an IOC), so re-exporting an analysis, or exporting
//! another analysis of the same sample, names the same indicators, and a consumer that already
//! holds them updates them instead of duplicating them (docs/ENGINE.md, "Exports").

pub mod misp;
pub mod stix;

use chrono::{DateTime, Utc};
use nexus_proto::analysis::SampleVisibility;
use nexus_proto::report::{AnalysisReport, VerdictHint};
use uuid::Uuid;

/// The namespace of every Nexus export identifier (a fixed random UUID; never change it, or
/// every exported id changes).
pub const NEXUS_EXPORT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a4e_93b7_4d0a_8e5f_1b2c_3d4e_5f60);

/// What an export is made of: one finished analysis.
#[derive(Debug, Clone, Copy)]
pub struct ExportInput<'a> {
    /// The analysis id.
    pub analysis_id: Uuid,
    /// Its report.
    pub report: &'a AnalysisReport,
    /// When it was queued (`created` of the exported objects).
    pub created_at: DateTime<Utc>,
    /// When a worker started it, if one did.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished (`modified`); `created_at` when absent.
    pub completed_at: Option<DateTime<Utc>>,
    /// The sample's visibility (the TLP tag of a MISP event).
    pub visibility: SampleVisibility,
}

impl ExportInput<'_> {
    /// The sample's SHA-256 as the report states it.
    pub fn sha256(&self) -> &str {
        &self.report.hashes.sha256
    }

    /// When the analysis last changed: its end, never before its creation.
    pub fn modified_at(&self) -> DateTime<Utc> {
        self.completed_at
            .filter(|completed| *completed >= self.created_at)
            .unwrap_or(self.created_at)
    }

    /// The malware family the YARA matches name (`family` or `malware_family` metadata of the
    /// first rule that has one).
    pub fn family(&self) -> Option<String> {
        self.report.yara.iter().find_map(|hit| {
            ["malware_family", "family"].iter().find_map(|key| {
                hit.metadata
                    .get(*key)
                    .and_then(|value| value.as_str())
                    .map(str::trim)
                    .filter(|family| !family.is_empty())
                    .map(str::to_owned)
            })
        })
    }
}

/// An export format of `GET /v1/analyses/{id}/export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A STIX 2.1 bundle.
    Stix,
    /// A MISP event.
    Misp,
}

impl ExportFormat {
    /// Parses the `format` query parameter (`stix` or `misp`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "stix" => Some(Self::Stix),
            "misp" => Some(Self::Misp),
            _ => None,
        }
    }

    /// The media type of the answer.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Stix => "application/stix+json;version=2.1",
            Self::Misp => "application/json",
        }
    }

    /// The file name offered in `Content-Disposition`.
    pub fn file_name(self, analysis_id: Uuid) -> String {
        match self {
            Self::Stix => format!("nexus-analysis-{analysis_id}.stix.json"),
            Self::Misp => format!("nexus-analysis-{analysis_id}.misp.json"),
        }
    }
}

/// A deterministic identifier: UUIDv5 of `kind:sha256[:value]` in [`NEXUS_EXPORT_NAMESPACE`].
pub fn export_uuid(kind: &str, sha256: &str, value: Option<&str>) -> Uuid {
    let name = match value {
        Some(value) => format!("{kind}:{sha256}:{value}"),
        None => format!("{kind}:{sha256}"),
    };
    uuid_v5(&NEXUS_EXPORT_NAMESPACE, name.as_bytes())
}

/// RFC 9562 UUIDv5: SHA-1 of the namespace and the name, version and variant bits set.
pub fn uuid_v5(namespace: &Uuid, name: &[u8]) -> Uuid {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(namespace.as_bytes());
    hasher.update(name);
    let digest = hasher.finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// The verdict hint's word (`malicious`, `suspicious`, `benign`, `unknown`), which is also
/// STIX's `malware-result-ov`.
pub fn verdict_word(verdict: VerdictHint) -> &'static str {
    match verdict {
        VerdictHint::Malicious => "malicious",
        VerdictHint::Suspicious => "suspicious",
        VerdictHint::Benign => "benign",
        VerdictHint::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_the_rfc_example() {
        // RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
        let dns = Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        assert_eq!(
            uuid_v5(&dns, b"www.example.com").to_string(),
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        );
    }

    #[test]
    fn export_ids_are_stable_and_differ_by_kind_and_value() {
        let sha = "ab".repeat(32);
        assert_eq!(
            export_uuid("malware", &sha, None),
            export_uuid("malware", &sha, None)
        );
        assert_ne!(
            export_uuid("malware", &sha, None),
            export_uuid("indicator", &sha, None)
        );
        assert_ne!(
            export_uuid("url", &sha, Some("http://a.io")),
            export_uuid("url", &sha, Some("http://b.io"))
        );
        assert_eq!(export_uuid("malware", &sha, None).get_version_num(), 5);
    }

    #[test]
    fn formats_parse_and_unknown_ones_do_not() {
        assert_eq!(ExportFormat::parse("stix"), Some(ExportFormat::Stix));
        assert_eq!(ExportFormat::parse("misp"), Some(ExportFormat::Misp));
        assert_eq!(ExportFormat::parse("STIX"), None);
        assert_eq!(ExportFormat::parse("openioc"), None);
    }
}
