use chrono::TimeZone;
use nexus_proto::analysis::SampleVisibility;
use nexus_proto::report::{
    AnalysisReport, ExtractedString, Indicator, PeImportFunction, PeImportLibrary, PeReport,
    PeSection, Severity, StringEncoding, VerdictHint, YaraMatch,
};
use proptest::prelude::*;
use uuid::Uuid;

use super::pdf::{MAX_PAGES, win_ansi};
use super::*;

const HOSTILE: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;";

fn hostile_report() -> AnalysisReport {
    let mut report = AnalysisReport {
        engine_version: "1.2.3".into(),
        score: 92,
        verdict: VerdictHint::Malicious,
        entropy: 7.25,
        ..AnalysisReport::default()
    };
    report.hashes.sha256 = "ab".repeat(32);
    report.hashes.sha1 = "cd".repeat(20);
    report.hashes.md5 = "ef".repeat(16);
    report.file.size = 4096;
    report.file.mime = "application/x-dosexec".into();
    report.file.description = format!("PE32 {HOSTILE}");
    report.verdict_reasons = vec![format!("reason one {HOSTILE}")];
    report.indicators = vec![
        Indicator {
            id: "low.thing".into(),
            severity: Severity::Low,
            description: "a weak signal".into(),
            mitre_attack: None,
            evidence: vec![],
        },
        Indicator {
            id: "critical.thing".into(),
            severity: Severity::Critical,
            description: "the strongest finding".into(),
            mitre_attack: Some("T1055".into()),
            evidence: vec![HOSTILE.into()],
        },
    ];
    report.yara = vec![YaraMatch {
        rule: "evil_<b>rule".into(),
        namespace: "builtin".into(),
        tags: vec![HOSTILE.into()],
        ..YaraMatch::default()
    }];
    report.iocs.urls = vec![format!("http://evil.io/{HOSTILE}")];
    report.strings.total = 2;
    report.strings.items = vec![
        ExtractedString {
            offset: 16,
            encoding: StringEncoding::Ascii,
            value: HOSTILE.into(),
        },
        ExtractedString {
            offset: 64,
            encoding: StringEncoding::Utf16le,
            value: "déjà vu \u{0}\u{7}中文".into(),
        },
    ];
    report
}

fn input(report: &AnalysisReport) -> ExportInput<'_> {
    let created = chrono::Utc.with_ymd_and_hms(2026, 12, 8, 1, 2, 3).unwrap();
    ExportInput {
        analysis_id: Uuid::from_u128(7),
        report,
        created_at: created,
        started_at: Some(created),
        completed_at: Some(created + chrono::Duration::seconds(5)),
        visibility: SampleVisibility::Private,
    }
}

#[test]
fn html_escapes_every_hostile_string() {
    let report = hostile_report();
    let page = html::render(&document(&input(&report)));
    // The page's own markup has no script, image, link, frame, form or URL to fetch, so any of
    // these would have come from the sample (whose `src=` and `onerror=` stay as text).
    for forbidden in [
        "<script", "<img", "<link", "<iframe", "<form", "href=", "url(",
    ] {
        assert!(
            !page.to_ascii_lowercase().contains(forbidden),
            "{forbidden} in the page"
        );
    }
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img"));
    // `&amp;` from the sample is shown as typed, not as `&`.
    assert!(page.contains("&amp;amp;"));
    assert!(page.contains("builtin.evil_&lt;b&gt;rule"));
    // Control characters do not reach the markup.
    assert!(!page.contains('\u{0}') && !page.contains('\u{7}'));
    assert!(page.contains("déjà vu \u{fffd}\u{fffd}中文"));
}

#[test]
fn escape_leaves_plain_text_alone_and_encodes_markup() {
    assert_eq!(html::escape("plain text 123"), "plain text 123");
    assert_eq!(
        html::escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn the_summary_comes_before_the_details() {
    let report = hostile_report();
    let doc = document(&input(&report));
    // The strongest finding leads the summary.
    assert_eq!(doc.summary[0].rows[0][1], "the strongest finding");
    assert_eq!(doc.facts[0].1, "malicious (score 92/100)");
    let page = html::render(&doc);
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in the page"))
    };
    let summary = at("<section id=\"summary\"");
    let details = at("<section id=\"details\"");
    assert!(summary < details);
    let (head, rest) = page.split_at(summary);
    let (first, second) = rest.split_at(details - summary);
    assert!(
        !head.contains("<h2>"),
        "nothing before the summary but the title"
    );
    for expected in [
        report.hashes.sha256.as_str(),
        "class=\"verdict verdict-malicious\"",
        "<h2>Top findings</h2>",
        "<h2>YARA hits</h2>",
    ] {
        assert!(first.contains(expected), "{expected} is in the summary");
    }
    for expected in [
        "<h2>Strings</h2>",
        "<h2>Indicators of compromise</h2>",
        "<h2>Pipeline stages</h2>",
    ] {
        assert!(
            second.contains(expected) && !first.contains(expected),
            "{expected} is in the details"
        );
    }
}

fn huge_report() -> AnalysisReport {
    let mut report = hostile_report();
    let long = "A".repeat(100_000);
    report.strings.total = 1_000_000;
    report.strings.truncated = true;
    report.strings.items = (0..20_000)
        .map(|offset| ExtractedString {
            offset,
            encoding: StringEncoding::Ascii,
            value: if offset == 0 {
                long.clone()
            } else {
                format!("string number {offset}")
            },
        })
        .collect();
    report.iocs.domains = (0..5_000).map(|n| format!("host{n}.example")).collect();
    report.pe = Some(PeReport {
        sections: (0..3_000)
            .map(|n| PeSection {
                name: format!(".s{n}"),
                ..PeSection::default()
            })
            .collect(),
        imports: (0..500)
            .map(|n| PeImportLibrary {
                library: format!("lib{n}.dll"),
                delayed: false,
                functions: (0..1_000)
                    .map(|f| PeImportFunction {
                        name: Some(format!("Function{f}")),
                        ..PeImportFunction::default()
                    })
                    .collect(),
            })
            .collect(),
        ..PeReport::default()
    });
    report
}

#[test]
fn tables_are_capped_and_say_what_was_cut() {
    let report = huge_report();
    let doc = document(&input(&report));
    let table = |title: &str| {
        doc.details
            .iter()
            .find(|table| table.title == title)
            .unwrap_or_else(|| panic!("no {title} table"))
    };
    let strings = table("Strings");
    assert_eq!(strings.rows.len(), MAX_TEXT_ROWS);
    assert_eq!(strings.omitted, 20_000 - MAX_TEXT_ROWS);
    assert_eq!(strings.rows[0][2].chars().count(), MAX_CELL_CHARS + 1);
    assert!(strings.rows[0][2].ends_with('…'));
    assert!(
        strings
            .note
            .as_deref()
            .unwrap()
            .contains("1000000 strings found in the file; the engine kept 20000")
    );
    let sections = table("PE sections");
    assert_eq!((sections.rows.len(), sections.omitted), (MAX_ROWS, 2_900));
    assert_eq!(
        sections.omitted_note().unwrap(),
        "2900 more rows not shown (a report keeps 100 per table); the JSON report has them all."
    );
    let imports = table("PE imports");
    assert_eq!((imports.rows.len(), imports.omitted), (MAX_ROWS, 400));
    assert!(imports.rows[0][1].chars().count() <= MAX_CELL_CHARS + 1);
    assert_eq!(
        table("Indicators of compromise").omitted,
        5_000 + 1 - MAX_TEXT_ROWS
    );
    // Every cell of every table is capped.
    for table in doc.summary.iter().chain(&doc.details) {
        for row in &table.rows {
            for cell in row {
                assert!(
                    cell.chars().count() <= MAX_CELL_CHARS + 1,
                    "{}",
                    table.title
                );
            }
        }
    }

    // And the renderings stay bounded (the numbers are far above what the caps allow).
    let page = html::render(&doc);
    assert!(page.len() < 1_000_000, "HTML {} bytes", page.len());
    assert!(page.contains("19800 more rows not shown"));
    let file = pdf::render(&doc);
    assert!(file.len() < 3_000_000, "PDF {} bytes", file.len());
    let pages = page_count(&file);
    assert!((3..MAX_PAGES).contains(&pages), "{pages} pages");
    // Page breaks lose no line: every kept string row is in the file, once.
    let text = String::from_utf8_lossy(&file);
    for n in 1..MAX_TEXT_ROWS {
        assert_eq!(
            text.matches(&format!("string number {n})")).count(),
            1,
            "row {n}"
        );
    }
    assert!(!text.contains(&format!("string number {MAX_TEXT_ROWS})")));
}

fn page_count(file: &[u8]) -> usize {
    file.windows(11)
        .filter(|window| window == b"/Type /Page")
        .count()
        - file
            .windows(12)
            .filter(|window| window == b"/Type /Pages")
            .count()
}

#[test]
fn a_pdf_has_the_summary_on_page_one_and_the_details_after() {
    let report = hostile_report();
    let file = pdf::render(&document(&input(&report)));
    assert!(file.starts_with(b"%PDF-"));
    assert!(file.ends_with(b"%%EOF") || file.ends_with(b"%%EOF\n"));
    assert_eq!(
        page_count(&file),
        2,
        "a small report: summary, then details"
    );
    let text = String::from_utf8_lossy(&file);
    let verdict = text.find("(MALICIOUS  score 92/100)").unwrap();
    let sha = text.find(&report.hashes.sha256).unwrap();
    let details = text.find("(Details)").unwrap();
    assert!(verdict < details && sha < details);
    assert!(details < text.find("(Strings)").unwrap());
    assert!(text.contains("/BaseFont /Courier") && text.contains("/WinAnsiEncoding"));
}

#[test]
fn a_pdf_stops_at_its_page_limit_and_says_so() {
    let mut report = huge_report();
    // Many long cells: without the page limit this would run to hundreds of pages.
    report.iocs.file_paths = (0..5_000)
        .map(|n| format!("C:\\{n}\\{}", "x".repeat(400)))
        .collect();
    report.iocs.domains.clear();
    report.indicators = (0..5_000)
        .map(|n| Indicator {
            id: format!("i{n}"),
            severity: Severity::Medium,
            description: "d".repeat(400),
            mitre_attack: None,
            evidence: vec!["e".repeat(400); 3],
        })
        .collect();
    let mut doc = document(&input(&report));
    // Repeat the details so the page limit is certainly reached.
    let details = doc.details.clone();
    for _ in 0..10 {
        doc.details.extend(details.iter().cloned());
    }
    let file = pdf::render(&doc);
    assert_eq!(page_count(&file), MAX_PAGES);
    assert!(String::from_utf8_lossy(&file).contains("The PDF stops at 150 pages"));
}

#[test]
fn win_ansi_keeps_latin_1_and_replaces_the_rest() {
    assert_eq!(win_ansi("abc"), b"abc");
    assert_eq!(win_ansi("é—€"), vec![0xe9, 0x97, 0x80]);
    assert_eq!(win_ansi("中\u{0}\n"), b"???");
}

#[test]
fn cap_cell_cuts_on_a_character_boundary() {
    let text = "é".repeat(MAX_CELL_CHARS + 5);
    let capped = cap_cell(&text);
    assert_eq!(capped.chars().count(), MAX_CELL_CHARS + 1);
    assert_eq!(cap_cell("short"), "short");
}

proptest! {
    /// Wrapping never loses or reorders a character and never overflows the line.
    #[test]
    fn wrapping_loses_nothing(text in "[a-z ]{0,400}", width in 10usize..120, indent in 0usize..6) {
        let lines = pdf::wrap(text.as_bytes(), width, indent);
        let width = width.max(indent + 8);
        let mut joined = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            prop_assert!(line.len() <= width);
            let body = if index == 0 { &line[..] } else { &line[indent..] };
            joined.extend_from_slice(body);
        }
        prop_assert_eq!(joined, text.into_bytes());
    }
}
