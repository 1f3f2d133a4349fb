//! The published JSON Schema matches the report types. Regenerate with
//! `NEXUS_UPDATE_SCHEMA=1 cargo test -p nexus-engine --test engine schema`.

use std::path::PathBuf;

use nexus_proto::report::{REPORT_SCHEMA_VERSION, json_schema};

fn published_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas/analysis-report.v1.json")
}

fn rendered() -> String {
    let mut schema = json_schema();
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            "https://nexus-security.dev/schemas/analysis-report.v1.json".into(),
        );
        object.insert("x-schema-version".to_owned(), REPORT_SCHEMA_VERSION.into());
    }
    serde_json::to_string_pretty(&schema).unwrap() + "\n"
}

#[test]
fn published_schema_is_up_to_date() {
    let path = published_path();
    let expected = rendered();
    if std::env::var_os("NEXUS_UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == expected,
        "{} is stale; regenerate it with NEXUS_UPDATE_SCHEMA=1 cargo test -p nexus-engine --test engine schema",
        path.display()
    );
}

#[test]
fn schema_names_the_contract_fields() {
    let schema = json_schema();
    let properties = schema["properties"].as_object().unwrap();
    for field in [
        "hashes",
        "entropy",
        "file",
        "pe",
        "elf",
        "macho",
        "strings",
        "iocs",
        "yara",
        "indicators",
        "score",
        "verdict",
        "stages",
    ] {
        assert!(properties.contains_key(field), "missing top-level {field}");
    }
    let definitions = schema["$defs"].as_object().unwrap();
    for (definition, fields) in [
        (
            "Hashes",
            &["md5", "sha1", "sha256", "ssdeep", "tlsh", "imphash"][..],
        ),
        ("FileInfo", &["size", "mime", "type"][..]),
        (
            "PeReport",
            &[
                "machine",
                "subsystem",
                "image_base",
                "entry_point",
                "compile_time",
                "dll_characteristics",
                "sections",
                "imports",
                "exports",
                "resources",
                "version_info",
                "pdb",
                "rich_header",
                "overlay",
                "signature",
            ][..],
        ),
        (
            "PeSection",
            &[
                "name",
                "virtual_address",
                "virtual_size",
                "raw_size",
                "entropy",
                "md5",
                "sha256",
                "characteristics",
            ][..],
        ),
        (
            "PeResource",
            &["type", "id", "language", "size", "sha256"][..],
        ),
        ("PePdb", &["path", "guid", "age"][..]),
        ("StageReport", &["name", "ms", "error"][..]),
    ] {
        let properties = definitions[definition]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no {definition}"));
        for field in fields {
            assert!(
                properties.contains_key(*field),
                "{definition} lacks {field}"
            );
        }
    }
}

#[test]
fn a_real_report_round_trips_through_serde() {
    let report = crate::common::analyze_clean("signed_dll_079a472d.dll");
    let json = serde_json::to_string(&report).unwrap();
    let back: nexus_engine::AnalysisReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}
