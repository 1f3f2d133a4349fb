//! Cross-checks against the reference tools: `ssdeep`, `tlsh` (tlsh-tools), `md5sum`/`sha1sum`/
//! `sha256sum`, `yara`, Python's `pefile`, and mingw-w64 to build test PEs. A missing tool fails the
//! test with instructions; nothing is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use nexus_engine::{AnalysisReport, Engine, EngineConfig, RuleSet};
use serde_json::Value;

use crate::common::{all_fixture_names, engine, fixture_path};

fn run(program: &str, arguments: &[&str]) -> String {
    let output = Command::new(program).args(arguments).output().unwrap_or_else(|error| {
        panic!("cannot run `{program}` ({error}); install the reference tools with scripts/engine-tools.sh")
    });
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}",
        arguments.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The digest the `ssdeep` tool prints for the file at `path` (`blocksize:first:second`).
pub(crate) fn ssdeep_of_file(path: &Path) -> String {
    let output = run("ssdeep", &["-s", "-c", path.to_str().unwrap()]);
    let line = output
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("ssdeep gave no hash for {}", path.display()));
    line.rsplit_once(",\"")
        .map_or(line, |(hash, _)| hash)
        .to_owned()
}

/// A scratch directory unique to this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nexus-engine-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Generated inputs that exercise block-size and length edge cases of the fuzzy hashes.
fn generated_samples() -> Vec<PathBuf> {
    static SAMPLES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    SAMPLES
        .get_or_init(|| {
            let dir = scratch("generated");
            let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut random = |length: usize| -> Vec<u8> {
                (0..length)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state as u8
                    })
                    .collect()
            };
            let samples: Vec<(&str, Vec<u8>)> = vec![
                ("random-3mb.bin", random(3 * 1024 * 1024)),
                ("random-4095.bin", random(4095)),
                (
                    "text-600k.txt",
                    b"The quick brown fox jumps over the lazy dog. 0123456789\n".repeat(11_000),
                ),
                ("zeros-100k.bin", vec![0u8; 100_000]),
                ("mixed-300k.bin", {
                    let mut bytes = random(150_000);
                    bytes.extend(b"ABCD".repeat(37_500));
                    bytes
                }),
            ];
            samples
                .into_iter()
                .map(|(name, bytes)| {
                    let path = dir.join(name);
                    std::fs::write(&path, bytes).unwrap();
                    path
                })
                .collect()
        })
        .clone()
}

fn corpus() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = all_fixture_names()
        .iter()
        .map(|name| fixture_path(name))
        .collect();
    paths.extend(generated_samples());
    paths
}

fn analyze_path(path: &Path) -> AnalysisReport {
    engine().analyze(&std::fs::read(path).unwrap())
}

#[test]
fn cryptographic_hashes_match_coreutils() {
    let paths = corpus();
    for (tool, pick) in [("md5sum", 0usize), ("sha1sum", 1), ("sha256sum", 2)] {
        for path in &paths {
            let expected = run(tool, &[path.to_str().unwrap()])
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            let hashes = analyze_path(path).hashes;
            let ours = [hashes.md5, hashes.sha1, hashes.sha256][pick].clone();
            assert_eq!(ours, expected, "{tool} {}", path.display());
        }
    }
}

#[test]
fn ssdeep_matches_the_ssdeep_tool() {
    for path in corpus() {
        let expected = ssdeep_of_file(&path);
        assert_eq!(
            analyze_path(&path).hashes.ssdeep.as_deref(),
            Some(expected.as_str()),
            "ssdeep {}",
            path.display()
        );
    }
}

#[test]
fn tlsh_matches_the_tlsh_tool() {
    let mut compared = 0;
    for path in corpus() {
        // tlsh-tools 3.4.4 refuses inputs under 256 bytes; TLSH 4.x needs only 50.
        if std::fs::metadata(&path).unwrap().len() < 256 {
            continue;
        }
        let output = run("tlsh", &["-f", path.to_str().unwrap()]);
        let digest = output.split_whitespace().next().unwrap_or_default();
        let ours = analyze_path(&path).hashes.tlsh;
        if digest.len() == 70 {
            assert_eq!(ours, Some(format!("T1{digest}")), "tlsh {}", path.display());
            compared += 1;
        } else {
            // The tool prints nothing usable for inputs without enough variety (e.g. all zeros).
            assert_eq!(ours, None, "tlsh printed {output:?} for {}", path.display());
        }
    }
    assert!(compared >= 14, "only {compared} files compared");
}

fn pefile(path: &Path) -> Option<Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pefile_dump.py");
    let output = Command::new("python3").arg(&script).arg(path).output().unwrap_or_else(|error| {
        panic!("cannot run python3 ({error}); install the reference tools with scripts/engine-tools.sh")
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'pefile'"),
        "pefile is not installed; run scripts/engine-tools.sh"
    );
    if !output.status.success() {
        return None;
    }
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn compare_with_pefile(path: &Path, report: &AnalysisReport, reference: &Value) {
    let what = path.display().to_string();
    let pe = report
        .pe
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no PE report"));
    let imphash = reference["imphash"].as_str().unwrap();
    assert_eq!(
        report.hashes.imphash.as_deref().unwrap_or(""),
        imphash,
        "{what}: imphash"
    );
    assert_eq!(
        u64::from(pe.machine_id),
        reference["machine"].as_u64().unwrap(),
        "{what}: machine"
    );
    assert_eq!(
        u64::from(pe.timestamp),
        reference["timestamp"].as_u64().unwrap(),
        "{what}: timestamp"
    );
    assert_eq!(
        u64::from(pe.entry_point),
        reference["entry_point"].as_u64().unwrap(),
        "{what}: entry point"
    );
    assert_eq!(
        pe.image_base,
        reference["image_base"].as_u64().unwrap(),
        "{what}: image base"
    );
    assert_eq!(
        u64::from(pe.checksum.stated),
        reference["checksum_stated"].as_u64().unwrap(),
        "{what}: checksum"
    );
    assert_eq!(
        u64::from(pe.checksum.computed),
        reference["checksum_computed"].as_u64().unwrap(),
        "{what}: computed checksum"
    );
    let sections: Vec<Value> = pe
        .sections
        .iter()
        .map(|section| {
            serde_json::json!({
                "name": section.short_name, "virtual_address": section.virtual_address, "virtual_size": section.virtual_size,
                "raw_size": section.raw_size, "raw_offset": section.raw_offset, "characteristics": section.characteristics_raw,
            })
        })
        .collect();
    assert_eq!(
        &Value::from(sections),
        &reference["sections"],
        "{what}: sections"
    );
    let imports: Vec<Value> = pe
        .imports
        .iter()
        .filter(|library| !library.delayed)
        .map(|library| {
            serde_json::json!({
                "library": library.library,
                "functions": library.functions.iter().map(|function| serde_json::json!({
                    "name": function.name, "ordinal": function.ordinal, "iat_rva": function.iat_rva,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(
        &Value::from(imports),
        &reference["imports"],
        "{what}: imports"
    );
    let delayed: Vec<Value> = pe
        .imports
        .iter()
        .filter(|library| library.delayed)
        .map(|library| {
            serde_json::json!({
                "library": library.library,
                "functions": library.functions.iter().map(|function| function.name.clone().unwrap_or_else(|| format!("ord{}", function.ordinal.unwrap_or(0)))).collect::<Vec<_>>(),
            })
        })
        .collect();
    assert_eq!(
        &Value::from(delayed),
        &reference["delayed"],
        "{what}: delay imports"
    );
    let exports: Vec<Value> = pe
        .exports
        .iter()
        .map(|export| serde_json::json!({ "name": export.name, "ordinal": export.ordinal, "rva": export.rva, "forwarder": export.forwarder }))
        .collect();
    // pefile lists exports in name-table order, YARA (and the engine) in ordinal order.
    let mut theirs = reference["exports"].as_array().unwrap().clone();
    theirs.sort_by_key(|export| export["ordinal"].as_u64());
    assert_eq!(exports, theirs, "{what}: exports");
    assert_eq!(
        pe.overlay.as_ref().map(|overlay| overlay.offset),
        reference["overlay_offset"].as_u64(),
        "{what}: overlay"
    );
    let callbacks: Vec<u64> = reference["tls_callbacks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(pe.tls_callbacks, callbacks, "{what}: TLS callbacks");
}

#[test]
fn pe_fixtures_match_pefile() {
    let mut compared = Vec::new();
    for name in all_fixture_names() {
        let path = fixture_path(&name);
        let report = analyze_path(&path);
        if report.pe.is_none() {
            continue;
        }
        match pefile(&path) {
            Some(reference) => {
                compare_with_pefile(&path, &report, &reference);
                compared.push(name);
            }
            // The README records that pefile refuses weird_rich ("data at RVA 0x1abe can't be fetched").
            None => assert_eq!(name, "weird_rich", "pefile refused {name}"),
        }
    }
    assert!(compared.len() >= 9, "compared only {compared:?}");
}

/// Builds the mingw-w64 samples once per test process.
fn mingw_samples() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mingw/build.sh");
            let out = scratch("mingw");
            let output = Command::new("bash").arg(&script).arg(&out).output().unwrap();
            assert!(
                output.status.success(),
                "building the mingw-w64 samples failed (install mingw-w64 with scripts/engine-tools.sh): {}",
                String::from_utf8_lossy(&output.stderr)
            );
            out
        })
        .clone()
}

#[test]
fn mingw_built_pes_match_pefile_and_raise_the_expected_indicators() {
    let dir = mingw_samples();
    let mut reports = BTreeMap::new();
    for name in ["injector.exe", "tlscb.exe", "exports.dll"] {
        let path = dir.join(name);
        let report = analyze_path(&path);
        let reference = pefile(&path).unwrap_or_else(|| panic!("pefile refused {name}"));
        compare_with_pefile(&path, &report, &reference);
        reports.insert(name, report);
    }
    let ids = |name: &str| -> BTreeSet<String> {
        reports[name]
            .indicators
            .iter()
            .map(|indicator| indicator.id.clone())
            .collect()
    };

    let injector = ids("injector.exe");
    for expected in [
        "process_injection_imports",
        "anti_debugging_imports",
        "registry_run_key_persistence",
    ] {
        assert!(
            injector.contains(expected),
            "injector.exe lacks {expected}: {injector:?}"
        );
    }
    let technique = reports["injector.exe"]
        .indicators
        .iter()
        .find(|indicator| indicator.id == "process_injection_imports")
        .unwrap();
    assert_eq!(technique.mitre_attack.as_deref(), Some("T1055"));
    assert_ne!(
        reports["injector.exe"].verdict,
        nexus_proto::report::VerdictHint::Benign
    );
    assert!(
        reports["injector.exe"]
            .iocs
            .registry_keys
            .iter()
            .any(|key| key.ends_with(r"CurrentVersion\Run"))
    );

    let tls = &reports["tlscb.exe"];
    assert!(
        tls.pe.as_ref().unwrap().tls_callbacks.len() >= 2,
        "the mingw CRT callback plus ours"
    );
    assert!(ids("tlscb.exe").contains("tls_callbacks"));
    assert!(
        tls.iocs
            .urls
            .contains(&"http://203.0.113.77/stage2.bin".to_owned())
    );
    assert!(tls.iocs.ipv4.contains(&"203.0.113.77".to_owned()));

    let dll = reports["exports.dll"].pe.as_ref().unwrap();
    let names: Vec<&str> = dll
        .exports
        .iter()
        .filter_map(|export| export.name.as_deref())
        .collect();
    assert!(
        names.contains(&"nexus_add") && names.contains(&"nexus_mul"),
        "{names:?}"
    );
    assert_eq!(dll.export_dll_name.as_deref(), Some("exports.dll"));
    assert_eq!(
        dll.version_info.get("CompanyName").map(String::as_str),
        Some("Nexus Security Test Fixtures")
    );
    assert_eq!(
        dll.version_info.get("FileVersion").map(String::as_str),
        Some("1.2.3.4")
    );
    assert!(
        dll.resources
            .iter()
            .any(|resource| resource.resource_type == "RT_VERSION" && resource.language == 1033)
    );
    assert!(dll.is_dll);
}

/// Rules both engines understand, mixing text, hex, counts and the pe module.
const CROSS_CHECK_RULES: &str = r#"
import "pe"

rule rich_marker { strings: $rich = "Rich" condition: $rich }
rule mz_at_zero { condition: uint16(0) == 0x5a4d }
rule seven_sections { condition: pe.number_of_sections == 7 }
rule imports_virtual_query { condition: pe.imports("KERNEL32.dll", "VirtualQuery") }
rule tiny_imphash { condition: pe.imphash() == "1720bf764274b7a4052bbef0a71adc0d" }
rule x86_prologue { strings: $p = { 55 89 E5 } condition: #p >= 1 }
rule dll_names { strings: $a = "KERNEL32.dll" nocase $b = "msvcrt.dll" condition: any of them }
rule eicar { strings: $e = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $e }
"#;

/// `(rule, pattern, offset)` triples from `yara -s` output.
fn yara_cli(rules: &Path, target: &Path) -> BTreeSet<(String, String, u64)> {
    let output = run(
        "yara",
        &["-s", rules.to_str().unwrap(), target.to_str().unwrap()],
    );
    let mut found = BTreeSet::new();
    let mut current = String::new();
    for line in output.lines() {
        if let Some(rest) = line.strip_prefix("0x") {
            let mut parts = rest.splitn(3, ':');
            let offset = u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let pattern = parts.next().unwrap().to_owned();
            found.insert((current.clone(), pattern, offset));
        } else if let Some((rule, _)) = line.split_once(' ') {
            current = rule.to_owned();
            found.insert((current.clone(), String::new(), u64::MAX));
        }
    }
    found
}

#[test]
fn yara_x_matches_agree_with_the_yara_cli() {
    let dir = scratch("yara");
    let rules_path = dir.join("cross_check.yar");
    std::fs::write(&rules_path, CROSS_CHECK_RULES).unwrap();
    let rules = RuleSet::from_sources([("cross_check", CROSS_CHECK_RULES)]).unwrap();
    let engine = Engine::new(
        EngineConfig {
            yara_max_offsets: 100_000,
            yara_timeout: Duration::from_secs(60),
            ..EngineConfig::default()
        },
        rules,
    );
    let mut total_matches = 0;
    for path in corpus() {
        let expected = yara_cli(&rules_path, &path);
        let report = engine.analyze(&std::fs::read(&path).unwrap());
        let mut ours = BTreeSet::new();
        for hit in &report.yara {
            ours.insert((hit.rule.clone(), String::new(), u64::MAX));
            for pattern in &hit.strings {
                for &offset in &pattern.offsets {
                    ours.insert((hit.rule.clone(), pattern.identifier.clone(), offset));
                }
            }
        }
        total_matches += ours.len();
        assert_eq!(ours, expected, "yara vs yara-x on {}", path.display());
    }
    assert!(
        total_matches > 20,
        "the cross-check matched too little ({total_matches})"
    );
}
