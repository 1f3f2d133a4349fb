//! Fuzzes the engine's entry point. The pipeline contains parser panics, so a panic escaping it
//! (or any panic inside it, which a stage records as `panicked`) is a finding.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nexus_engine::{Engine, EngineConfig, RuleSet};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default(), RuleSet::empty()))
}

fuzz_target!(|data: &[u8]| {
    let report = engine().analyze(data);
    assert!(
        report
            .stages
            .iter()
            .all(|stage| stage.error_code.as_deref() != Some("panicked")),
        "{:?}",
        report.stages
    );
    assert!(report.score <= 100);
});
