//! End-to-end tests of `nexus analyze` through the built binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository's `fixtures/binaries` directory (see nexus-testkit).
fn fixtures() -> PathBuf {
    let dir = nexus_testkit::fixtures::binaries_dir();
    assert!(dir.is_dir(), "fixtures missing at {}", dir.display());
    dir
}

fn nexus(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nexus"))
        .args(arguments)
        .output()
        .unwrap()
}

/// Path of one fixture, as the command line takes it.
fn fixture(name: &str) -> String {
    nexus_testkit::fixtures::path(name).display().to_string()
}

#[test]
fn json_for_one_file_is_the_bare_report_and_eicar_exits_malicious() {
    let output = nexus(&["analyze", "--format", "json", &fixture("eicar.com")]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["hashes"]["md5"], "44d88612fea8a8f36de82e1278abb02f");
    assert_eq!(report["verdict"], "malicious");
    assert_eq!(report["yara"][0]["rule"], "eicar_test_file");
}

#[test]
fn without_builtin_rules_eicar_is_not_flagged() {
    let output = nexus(&[
        "analyze",
        "--no-builtin-rules",
        "--format",
        "json",
        &fixture("eicar.com"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["yara"], serde_json::json!([]));
}

#[test]
fn a_directory_is_analysed_in_parallel_into_a_json_array_in_path_order() {
    let output = nexus(&[
        "analyze",
        "--format",
        "json",
        "--jobs",
        "2",
        &fixtures().display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(3), "eicar is in the directory");
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reports.len(), 14);
    let paths: Vec<&str> = reports
        .iter()
        .map(|entry| entry["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    let tiny = reports
        .iter()
        .find(|entry| entry["path"].as_str().unwrap().ends_with("/tiny"))
        .unwrap();
    assert_eq!(
        tiny["report"]["hashes"]["imphash"],
        "1720bf764274b7a4052bbef0a71adc0d"
    );
}

#[test]
fn jsonl_prints_one_object_per_file() {
    let output = nexus(&[
        "analyze",
        "--format",
        "jsonl",
        &fixture("tiny"),
        &fixture("mtxex.dll"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["report"]["pe"]["export_dll_name"], "mtxex.dll");
}

#[test]
fn table_output_is_for_people() {
    let output = nexus(&["analyze", &fixture("signed_dll_079a472d.dll")]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("imphash  d8d0e06b79eed07c6482ca040d30f52a"),
        "{text}"
    );
    assert!(text.contains("Quicken for Windows"));
    assert!(text.contains("verdict"));
}

#[test]
fn unreadable_inputs_exit_4_and_bad_rules_exit_5() {
    let output = nexus(&[
        "analyze",
        "--format",
        "json",
        "/nonexistent/file",
        &fixture("tiny"),
    ]);
    assert_eq!(output.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/file"));

    let rules = std::env::temp_dir().join(format!("nexus-cli-bad-rules-{}", std::process::id()));
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("bad.yar"), "rule broken { condition: ( }").unwrap();
    let output = nexus(&[
        "analyze",
        "--rules",
        &rules.display().to_string(),
        &fixture("tiny"),
    ]);
    assert_eq!(output.status.code(), Some(5));
    std::fs::remove_dir_all(&rules).unwrap();
}

#[test]
fn oversized_files_are_reported_without_being_read() {
    let output = nexus(&[
        "analyze",
        "--format",
        "json",
        "--max-size",
        "1000",
        &fixture("tiny"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["stages"][0]["error_code"], "too_large");
    assert_eq!(report["file"]["size"], 32768);
    assert_eq!(report["verdict"], "unknown");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(nexus(&["analyze"]).status.code(), Some(2));
    assert_eq!(
        nexus(&["analyze", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
}
