//! Fuzzes the goblin-backed ELF and Mach-O readers directly, so any panic surfaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nexus_engine::{EngineConfig, elf, macho};

fuzz_target!(|data: &[u8]| {
    let config = EngineConfig::default();
    let _ = elf::analyze(data, &config);
    let _ = macho::analyze(data, &config);
});
