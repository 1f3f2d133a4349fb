//! Fuzzes the PE reader directly (no worker thread, no catch_unwind), so any panic surfaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_engine::{EngineConfig, pe};

fuzz_target!(|data: &[u8]| {
    let config = EngineConfig::default();
    if let Ok(report) = pe::analyze(data, &config) {
        let _ = pe::imphash(&report.imports);
    }
});
