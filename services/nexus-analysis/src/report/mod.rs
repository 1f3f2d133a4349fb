//! A person's report of one finished analysis, as a self-contained HTML page ([`html`]) or a PDF
//! ([`pdf`]), served by `GET /v1/analyses/{id}/export?format=html|pdf` beside the STIX and MISP
//! exports (and as readable as they are).
//!
//! Both renderings come from one [`Document`] built here, so they say the same thing: first a
//! one-page summary a person reads (what the file is, its hashes, the verdict hint and score, the
//! strongest findings and the YARA hits), then the details (verdict reasons, indicators, YARA
//! matches, the format's header, sections, imports and exports, IOCs, strings and stages).
//!
//! Why the caps: a sample is hostile and may be built to blow up a report (a million strings, ten
//! thousand sections, a one-megabyte import name). Every table keeps at most [`MAX_ROWS`] rows
//! (strings and IOCs [`MAX_TEXT_ROWS`]) and every cell at most [`MAX_CELL_CHARS`] characters;
//! what was cut is said under the table, and the full data stays in the JSON report
//! (`GET /v1/analyses/{id}`). So the size of a report is bounded whatever the sample.
//!
//! Pure: report in, bytes out; no I/O, no clock (the dates shown are the analysis's own), so the
//! same analysis always renders the same bytes.

pub mod html;
pub mod pdf;

use nexus_proto::report::{AnalysisReport, Indicator, Severity, StringEncoding};

use crate::domain::export::{ExportInput, verdict_word};

/// Rows kept per table.
pub const MAX_ROWS: usize = 100;
/// Rows kept of the strings and IOC tables (short rows, and the most read ones).
pub const MAX_TEXT_ROWS: usize = 200;
/// Characters kept of one cell (a longer one ends with `…`).
pub const MAX_CELL_CHARS: usize = 200;
/// Findings (verdict reasons and the strongest indicators) on the summary page.
pub const SUMMARY_FINDINGS: usize = 6;
/// YARA hits on the summary page.
pub const SUMMARY_YARA: usize = 8;

/// What a report is made of, whatever its rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title (`Analysis report: <sha256>`).
    pub title: String,
    /// The verdict hint's word (`malicious`, `suspicious`, `benign`, `unknown`).
    pub verdict: &'static str,
    /// The score, 0-100.
    pub score: u8,
    /// The summary's facts, label and value, in reading order.
    pub facts: Vec<(&'static str, String)>,
    /// The summary's tables (top findings, YARA hits).
    pub summary: Vec<Table>,
    /// The details, after the summary.
    pub details: Vec<Table>,
}

/// One titled table: a header row, capped rows, and what was cut.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The heading.
    pub title: String,
    /// Column names; empty for a key-value table.
    pub columns: Vec<&'static str>,
    /// The rows kept, each cell capped.
    pub rows: Vec<Vec<String>>,
    /// Rows not shown because of the cap.
    pub omitted: usize,
    /// A sentence under the table (what the numbers mean, or what the engine itself cut).
    pub note: Option<String>,
    /// What to say when there are no rows.
    pub empty: &'static str,
}

impl Table {
    fn new(title: impl Into<String>, columns: &[&'static str], empty: &'static str) -> Self {
        Self {
            title: title.into(),
            columns: columns.to_vec(),
            empty,
            ..Self::default()
        }
    }

    /// Keeps the first `cap` of `rows` (each cell capped) and counts the rest.
    fn with_rows(mut self, rows: impl IntoIterator<Item = Vec<String>>, cap: usize) -> Self {
        for row in rows {
            if self.rows.len() < cap {
                self.rows
                    .push(row.iter().map(|cell| cap_cell(cell)).collect());
            } else {
                self.omitted += 1;
            }
        }
        self
    }

    fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The sentence saying what was cut, if anything was.
    pub fn omitted_note(&self) -> Option<String> {
        (self.omitted > 0).then(|| {
            format!(
                "{} more row{} not shown (a report keeps {} per table); the JSON report has them all.",
                self.omitted,
                if self.omitted == 1 { "" } else { "s" },
                self.rows.len()
            )
        })
    }
}

/// `text` cut to [`MAX_CELL_CHARS`] characters, ending with `…` when it was longer.
pub fn cap_cell(text: &str) -> String {
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The summary and details of `input`'s report.
pub fn document(input: &ExportInput<'_>) -> Document {
    let report = input.report;
    Document {
        title: format!("Analysis report: {}", report.hashes.sha256),
        verdict: verdict_word(report.verdict),
        score: report.score,
        facts: facts(input),
        summary: vec![top_findings(report), yara_hits(report)],
        details: details(report),
    }
}

fn facts(input: &ExportInput<'_>) -> Vec<(&'static str, String)> {
    let report = input.report;
    let file = &report.file;
    let kind = match &file.subtype {
        Some(subtype) => format!("{} ({subtype})", file_type_word(report)),
        None => file_type_word(report),
    };
    let mut facts = vec![
        (
            "Verdict hint",
            format!(
                "{} (score {}/100)",
                verdict_word(report.verdict),
                report.score
            ),
        ),
        ("SHA-256", report.hashes.sha256.clone()),
        ("SHA-1", report.hashes.sha1.clone()),
        ("MD5", report.hashes.md5.clone()),
        ("Type", kind),
        ("Description", file.description.clone()),
        ("MIME type", file.mime.clone()),
        ("Size", size_words(file.size)),
        ("Entropy", format!("{:.3} bits per byte", report.entropy)),
    ];
    if let Some(imphash) = &report.hashes.imphash {
        facts.push(("Imphash", imphash.clone()));
    }
    facts.extend([
        ("Analysis", input.analysis_id.to_string()),
        (
            "Finished",
            input
                .modified_at()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        ),
        ("Engine", report.engine_version.clone()),
        (
            "File verdict",
            // The analysts' weighted consensus lives in nexus-reputation; this service does
            // not hold it, so the report says where to read it instead of guessing.
            format!(
                "the analysts' consensus: GET /v1/files/{}/verdict",
                report.hashes.sha256
            ),
        ),
    ]);
    facts
        .into_iter()
        .map(|(label, value)| (label, cap_cell(&value)))
        .collect()
}

fn file_type_word(report: &AnalysisReport) -> String {
    serde_json::to_value(report.file.file_type)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `1234 bytes (1.2 KiB)`.
fn size_words(size: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if size < 1024 {
        return format!("{size} bytes");
    }
    let mut value = size as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{size} bytes ({value:.1} {})", UNITS[unit])
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// The strongest indicators first (stable within a severity), then the verdict reasons.
fn strongest(report: &AnalysisReport) -> Vec<&Indicator> {
    let mut indicators: Vec<&Indicator> = report.indicators.iter().collect();
    indicators.sort_by_key(|indicator| std::cmp::Reverse(indicator.severity));
    indicators
}

fn top_findings(report: &AnalysisReport) -> Table {
    let rows = strongest(report)
        .into_iter()
        .map(|indicator| {
            vec![
                severity_word(indicator.severity).to_owned(),
                indicator.description.clone(),
            ]
        })
        .chain(
            report
                .verdict_reasons
                .iter()
                .map(|reason| vec!["reason".to_owned(), reason.clone()]),
        );
    Table::new(
        "Top findings",
        &["Severity", "Finding"],
        "Nothing suspicious was found.",
    )
    .with_rows(rows, SUMMARY_FINDINGS)
}

fn yara_hits(report: &AnalysisReport) -> Table {
    let rows = report.yara.iter().map(|hit| {
        vec![
            format!("{}.{}", hit.namespace, hit.rule),
            hit.tags.join(", "),
        ]
    });
    Table::new("YARA hits", &["Rule", "Tags"], "No YARA rule matched.")
        .with_rows(rows, SUMMARY_YARA)
}

fn details(report: &AnalysisReport) -> Vec<Table> {
    let mut tables = vec![
        Table::new("Verdict reasons", &["Reason"], "No reasons recorded.").with_rows(
            report
                .verdict_reasons
                .iter()
                .map(|reason| vec![reason.clone()]),
            MAX_ROWS,
        ),
        Table::new(
            "Indicators",
            &["Severity", "Id", "Description", "ATT&CK", "Evidence"],
            "No indicators.",
        )
        .with_rows(
            strongest(report).into_iter().map(|indicator| {
                vec![
                    severity_word(indicator.severity).to_owned(),
                    indicator.id.clone(),
                    indicator.description.clone(),
                    indicator.mitre_attack.clone().unwrap_or_default(),
                    indicator.evidence.join("; "),
                ]
            }),
            MAX_ROWS,
        ),
        Table::new(
            "YARA matches",
            &["Rule", "Tags", "Strings"],
            "No YARA rule matched.",
        )
        .with_rows(
            report.yara.iter().map(|hit| {
                let strings: Vec<String> = hit
                    .strings
                    .iter()
                    .map(|string| format!("{} x{}", string.identifier, string.count))
                    .collect();
                vec![
                    format!("{}.{}", hit.namespace, hit.rule),
                    hit.tags.join(", "),
                    strings.join(", "),
                ]
            }),
            MAX_ROWS,
        ),
        Table::new("Hashes", &[], "").with_rows(
            [
                ("SHA-256", Some(&report.hashes.sha256)),
                ("SHA-1", Some(&report.hashes.sha1)),
                ("MD5", Some(&report.hashes.md5)),
                ("ssdeep", report.hashes.ssdeep.as_ref()),
                ("TLSH", report.hashes.tlsh.as_ref()),
                ("Imphash", report.hashes.imphash.as_ref()),
            ]
            .into_iter()
            .filter_map(|(name, value)| value.map(|value| vec![name.to_owned(), value.clone()])),
            MAX_ROWS,
        ),
    ];
    tables.extend(formats::tables(report));
    tables.push(iocs(report));
    tables.push(strings(report));
    tables.push(
        Table::new(
            "Pipeline stages",
            &["Stage", "ms", "Error"],
            "No stage recorded.",
        )
        .with_rows(
            report.stages.iter().map(|stage| {
                vec![
                    stage.name.clone(),
                    format!("{:.1}", stage.ms),
                    stage.error.clone().unwrap_or_default(),
                ]
            }),
            MAX_ROWS,
        ),
    );
    tables
}

fn iocs(report: &AnalysisReport) -> Table {
    let iocs = &report.iocs;
    let kinds: [(&str, &Vec<String>); 9] = [
        ("url", &iocs.urls),
        ("domain", &iocs.domains),
        ("ipv4", &iocs.ipv4),
        ("ipv6", &iocs.ipv6),
        ("email", &iocs.emails),
        ("btc", &iocs.btc_addresses),
        ("eth", &iocs.eth_addresses),
        ("registry key", &iocs.registry_keys),
        ("file path", &iocs.file_paths),
    ];
    Table::new(
        "Indicators of compromise",
        &["Kind", "Value"],
        "No IOC found.",
    )
    .with_rows(
        kinds.into_iter().flat_map(|(kind, values)| {
            values
                .iter()
                .map(move |value| vec![kind.to_owned(), value.clone()])
        }),
        MAX_TEXT_ROWS,
    )
}

fn strings(report: &AnalysisReport) -> Table {
    let found = &report.strings;
    let note = format!(
        "{} strings found in the file{}.",
        found.total,
        if found.truncated {
            format!("; the engine kept {}", found.items.len())
        } else {
            String::new()
        }
    );
    Table::new(
        "Strings",
        &["Offset", "Encoding", "Value"],
        "No printable strings.",
    )
    .with_rows(
        found.items.iter().map(|item| {
            vec![
                format!("0x{:x}", item.offset),
                match item.encoding {
                    StringEncoding::Ascii => "ascii",
                    StringEncoding::Utf16le => "utf-16le",
                }
                .to_owned(),
                item.value.clone(),
            ]
        }),
        MAX_TEXT_ROWS,
    )
    .with_note(note)
}

mod formats;

#[cfg(test)]
mod tests;
