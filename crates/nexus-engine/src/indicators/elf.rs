//! Indicators from ELF symbols and segments.

use nexus_proto::report::{ElfReport, Severity};

use super::Builder;

pub(super) fn indicators(elf: &ElfReport, builder: &mut Builder) {
    let names: Vec<String> = elf
        .imported_symbols
        .iter()
        .map(|symbol| symbol.name.clone())
        .collect();
    let has = |wanted: &[&str]| -> Vec<String> {
        wanted
            .iter()
            .filter(|want| names.iter().any(|name| name == *want))
            .map(|want| (*want).to_owned())
            .collect()
    };
    let debug = has(&["ptrace"]);
    if !debug.is_empty() {
        builder.add(
            "elf_ptrace",
            Severity::Low,
            Some("T1622"),
            "Uses ptrace (anti-debugging or injection)",
            debug,
        );
    }
    let network = has(&[
        "socket",
        "connect",
        "bind",
        "listen",
        "accept",
        "getaddrinfo",
    ]);
    if !network.is_empty() {
        builder.add(
            "elf_networking",
            Severity::Info,
            Some("T1071"),
            "Uses network sockets",
            network,
        );
    }
    if !elf.hardening.nx && elf.elf_type != "rel" && !elf.segments.is_empty() {
        builder.add(
            "elf_executable_stack",
            Severity::Low,
            Some("T1027"),
            "Stack is executable (no non-executable PT_GNU_STACK)",
            Vec::new(),
        );
    }
    let writable_code: Vec<String> = elf
        .segments
        .iter()
        .filter(|segment| {
            segment.segment_type == "load"
                && segment.flags.contains('w')
                && segment.flags.contains('x')
        })
        .map(|segment| format!("load at {:#x}", segment.virtual_address))
        .collect();
    if !writable_code.is_empty() {
        builder.add(
            "writable_executable_segment",
            Severity::Medium,
            Some("T1027"),
            "Loadable segment is both writable and executable",
            writable_code,
        );
    }
    if elf.sections.is_empty() && !elf.segments.is_empty() {
        builder.add(
            "elf_no_section_headers",
            Severity::Low,
            Some("T1027"),
            "No section headers (stripped hard or packed)",
            Vec::new(),
        );
    }
}
