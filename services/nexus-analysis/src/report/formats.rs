//! The format-specific detail tables of a report: PE, ELF and Mach-O headers, sections,
//! imports and exports. A file of another type has none.

use nexus_proto::report::{AnalysisReport, ElfReport, MachoReport, PeReport};

use super::{MAX_ROWS, MAX_TEXT_ROWS, Table};

/// Functions listed per imported library; the rest are counted.
const FUNCTIONS_PER_LIBRARY: usize = 40;

/// The tables of whichever formats the report parsed.
pub(super) fn tables(report: &AnalysisReport) -> Vec<Table> {
    let mut tables = Vec::new();
    if let Some(pe) = &report.pe {
        tables.extend(pe_tables(pe));
    }
    if let Some(elf) = &report.elf {
        tables.extend(elf_tables(elf));
    }
    if let Some(macho) = &report.macho {
        tables.extend(macho_tables(macho));
    }
    tables
}

fn pair(name: &str, value: impl ToString) -> Vec<String> {
    vec![name.to_owned(), value.to_string()]
}

fn pe_tables(pe: &PeReport) -> Vec<Table> {
    let mut header = vec![
        pair(
            "Machine",
            format!(
                "{} ({}-bit{})",
                pe.machine,
                if pe.is_64 { 64 } else { 32 },
                if pe.is_dll { ", DLL" } else { "" }
            ),
        ),
        pair("Subsystem", &pe.subsystem),
        pair("Image base", format!("0x{:x}", pe.image_base)),
        pair(
            "Entry point",
            format!(
                "0x{:x}{}",
                pe.entry_point,
                pe.entry_point_section
                    .as_deref()
                    .map(|section| format!(" in {section}"))
                    .unwrap_or_default()
            ),
        ),
        pair(
            "Compile time",
            pe.compile_time
                .clone()
                .unwrap_or_else(|| format!("timestamp {}", pe.timestamp)),
        ),
        pair("Linker", &pe.linker_version),
        pair(
            "Checksum",
            format!(
                "stated 0x{:x}, computed 0x{:x}{}",
                pe.checksum.stated,
                pe.checksum.computed,
                if pe.checksum.mismatch {
                    " (mismatch)"
                } else {
                    ""
                }
            ),
        ),
        pair("Characteristics", pe.characteristics.join(", ")),
        pair("DLL characteristics", pe.dll_characteristics.join(", ")),
        pair(".NET", if pe.is_dotnet { "yes" } else { "no" }),
        pair(
            "Signature",
            match &pe.signature {
                Some(signature) => format!("{} certificate(s)", signature.certificates.len()),
                None => "none".to_owned(),
            },
        ),
    ];
    if let Some(overlay) = &pe.overlay {
        header.push(pair(
            "Overlay",
            format!(
                "{} bytes at 0x{:x}, entropy {:.2}",
                overlay.size, overlay.offset, overlay.entropy
            ),
        ));
    }
    header.extend(
        pe.version_info
            .iter()
            .map(|(key, value)| pair(&format!("Version: {key}"), value)),
    );
    header.extend(pe.warnings.iter().map(|warning| pair("Warning", warning)));
    vec![
        Table::new("PE header", &[], "").with_rows(header, MAX_ROWS),
        Table::new(
            "PE sections",
            &[
                "Name",
                "Virtual address",
                "Virtual size",
                "Raw size",
                "Entropy",
                "Flags",
            ],
            "No sections.",
        )
        .with_rows(
            pe.sections.iter().map(|section| {
                vec![
                    section.name.clone(),
                    format!("0x{:x}", section.virtual_address),
                    section.virtual_size.to_string(),
                    section.raw_size.to_string(),
                    format!("{:.2}", section.entropy),
                    section.characteristics.join(" "),
                ]
            }),
            MAX_ROWS,
        ),
        Table::new("PE imports", &["Library", "Functions"], "No imports.").with_rows(
            pe.imports.iter().map(|library| {
                let mut functions: Vec<String> = library
                    .functions
                    .iter()
                    .take(FUNCTIONS_PER_LIBRARY)
                    .map(|function| match (&function.name, function.ordinal) {
                        (Some(name), _) => name.clone(),
                        (None, Some(ordinal)) => format!("#{ordinal}"),
                        (None, None) => "?".to_owned(),
                    })
                    .collect();
                let more = library
                    .functions
                    .len()
                    .saturating_sub(FUNCTIONS_PER_LIBRARY);
                if more > 0 {
                    functions.push(format!("and {more} more"));
                }
                let name = if library.delayed {
                    format!("{} (delayed)", library.library)
                } else {
                    library.library.clone()
                };
                vec![name, functions.join(", ")]
            }),
            MAX_ROWS,
        ),
        Table::new("PE exports", &["Ordinal", "Name", "RVA"], "No exports.").with_rows(
            pe.exports.iter().map(|export| {
                vec![
                    export.ordinal.to_string(),
                    match (&export.name, &export.forwarder) {
                        (Some(name), Some(to)) => format!("{name} -> {to}"),
                        (Some(name), None) => name.clone(),
                        (None, Some(to)) => format!("-> {to}"),
                        (None, None) => String::new(),
                    },
                    format!("0x{:x}", export.rva),
                ]
            }),
            MAX_TEXT_ROWS,
        ),
    ]
}

fn elf_tables(elf: &ElfReport) -> Vec<Table> {
    let hardening = &elf.hardening;
    let header = vec![
        pair(
            "Class",
            format!("{} {}, {}", elf.class, elf.endianness, elf.elf_type),
        ),
        pair("Machine", &elf.machine),
        pair("Entry point", format!("0x{:x}", elf.entry_point)),
        pair("Interpreter", elf.interpreter.as_deref().unwrap_or("none")),
        pair(
            "Hardening",
            format!(
                "NX {}, PIE {}, RELRO {}, stack canary {}, fortify {}",
                hardening.nx,
                hardening.pie,
                hardening.relro,
                hardening.stack_canary,
                hardening.fortify
            ),
        ),
        pair("Needed", elf.needed.join(", ")),
        pair(
            "Symbols",
            format!(
                "{} dynamic, {} in .symtab",
                elf.dynsym_count, elf.symtab_count
            ),
        ),
    ];
    vec![
        Table::new("ELF header", &[], "").with_rows(header, MAX_ROWS),
        Table::new(
            "ELF sections",
            &["Name", "Type", "Flags", "Address", "Size", "Entropy"],
            "No sections.",
        )
        .with_rows(
            elf.sections.iter().map(|section| {
                vec![
                    section.name.clone(),
                    section.section_type.clone(),
                    section.flags.clone(),
                    format!("0x{:x}", section.address),
                    section.size.to_string(),
                    format!("{:.2}", section.entropy),
                ]
            }),
            MAX_ROWS,
        ),
        Table::new(
            "ELF imported symbols",
            &["Name", "Type", "Binding"],
            "No imported symbols.",
        )
        .with_rows(
            elf.imported_symbols.iter().map(|symbol| {
                vec![
                    symbol.name.clone(),
                    symbol.symbol_type.clone(),
                    symbol.binding.clone(),
                ]
            }),
            MAX_TEXT_ROWS,
        ),
    ]
}

fn macho_tables(macho: &MachoReport) -> Vec<Table> {
    let architectures = macho.architectures.iter().map(|arch| {
        vec![
            arch.cpu_type.clone(),
            arch.file_type.clone(),
            arch.size.to_string(),
            if arch.code_signature { "yes" } else { "no" }.to_owned(),
            arch.dylibs.join(", "),
        ]
    });
    let segments = macho.architectures.iter().flat_map(|arch| {
        arch.segments.iter().map(move |segment| {
            vec![
                arch.cpu_type.clone(),
                segment.name.clone(),
                format!("0x{:x}", segment.vm_address),
                segment.file_size.to_string(),
                format!("{:.2}", segment.entropy),
            ]
        })
    });
    vec![
        Table::new(
            if macho.is_fat {
                "Mach-O architectures (fat)"
            } else {
                "Mach-O architecture"
            },
            &["CPU", "File type", "Size", "Signed", "Dylibs"],
            "No architectures.",
        )
        .with_rows(architectures, MAX_ROWS),
        Table::new(
            "Mach-O segments",
            &["CPU", "Segment", "VM address", "File size", "Entropy"],
            "No segments.",
        )
        .with_rows(segments, MAX_ROWS),
    ]
}
