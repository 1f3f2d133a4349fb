//! Shared helpers: locating fixtures and analysing them.

use std::path::PathBuf;
use std::sync::OnceLock;

use nexus_engine::{AnalysisReport, Engine};
use nexus_proto::report::{PeImportLibrary, PeReport, PeRichHeader};

/// Path of a fixture binary in the repository's `fixtures/binaries` (see nexus-testkit);
/// panics with the path when it is missing.
pub fn fixture_path(name: &str) -> PathBuf {
    nexus_testkit::fixtures::path(name)
}

/// Bytes of a fixture binary.
pub fn fixture(name: &str) -> Vec<u8> {
    nexus_testkit::fixtures::read(name)
}

/// Every fixture binary's name.
pub fn all_fixture_names() -> Vec<String> {
    let names = nexus_testkit::fixtures::names();
    assert!(
        names.len() >= 14,
        "expected the 14 fixtures of fixtures/README.md, found {names:?}"
    );
    names
}

/// One engine (built-in rules) shared by all tests.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::with_builtin_rules().unwrap())
}

/// Analyses a fixture and asserts no stage failed.
pub fn analyze_clean(name: &str) -> AnalysisReport {
    let report = engine().analyze(&fixture(name));
    let failed: Vec<_> = report
        .stages
        .iter()
        .filter(|stage| stage.error.is_some())
        .collect();
    assert!(failed.is_empty(), "{name}: stages failed: {failed:?}");
    report
}

/// The PE part of a report; panics when there is none.
pub fn pe_of(report: &AnalysisReport) -> &PeReport {
    report.pe.as_ref().expect("a PE report")
}

/// The import library `name` (delay-loaded or not); panics listing the libraries when absent.
pub fn library<'a>(pe: &'a PeReport, name: &str, delayed: bool) -> &'a PeImportLibrary {
    pe.imports
        .iter()
        .find(|library| library.library == name && library.delayed == delayed)
        .unwrap_or_else(|| {
            panic!(
                "no {name} (delayed {delayed}) in {:?}",
                pe.imports
                    .iter()
                    .map(|library| &library.library)
                    .collect::<Vec<_>>()
            )
        })
}

/// IAT slot RVA of `function` imported from `library`.
pub fn iat(library: &PeImportLibrary, function: &str) -> Option<u32> {
    library
        .functions
        .iter()
        .find(|entry| entry.name.as_deref() == Some(function))
        .and_then(|entry| entry.iat_rva)
}

/// (library, number of functions) for every import library, in order.
pub fn import_counts(pe: &PeReport) -> Vec<(&str, usize)> {
    pe.imports
        .iter()
        .map(|library| (library.library.as_str(), library.functions.len()))
        .collect()
}

/// (tool id, version, count) of every rich-header entry, in order.
pub fn rich_entries(rich: &PeRichHeader) -> Vec<(u16, u16, u32)> {
    rich.entries
        .iter()
        .map(|entry| (entry.tool_id, entry.version, entry.count))
        .collect()
}

/// Whether the report raised the indicator `id`.
pub fn has_indicator(report: &AnalysisReport, id: &str) -> bool {
    report.indicators.iter().any(|indicator| indicator.id == id)
}
