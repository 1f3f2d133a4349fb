//! Shared helpers: locating fixtures and analysing them.

use std::path::PathBuf;
use std::sync::OnceLock;

use nexus_engine::{AnalysisReport, Engine};

/// `<CARGO_MANIFEST_DIR>/../../../shared/fixtures`, or `NEXUS_FIXTURES_DIR`.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("NEXUS_FIXTURES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
    }
}

/// Path of a fixture binary; panics with a clear message when the fixtures are missing.
pub fn fixture_path(name: &str) -> PathBuf {
    let path = fixtures_dir().join("binaries").join(name);
    assert!(
        path.is_file(),
        "fixture {} is missing: put the shared fixtures beside the repository or set NEXUS_FIXTURES_DIR",
        path.display()
    );
    path
}

/// Bytes of a fixture binary.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

/// Every fixture binary's name.
pub fn all_fixture_names() -> Vec<String> {
    let dir = fixtures_dir().join("binaries");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot list fixtures in {}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 14,
        "expected the 14 shared fixtures, found {names:?}"
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
