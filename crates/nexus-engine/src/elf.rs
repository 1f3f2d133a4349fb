//! ELF analysis with goblin: header, sections, segments, dynamic linking, symbols, hardening.

use goblin::elf::dynamic::{DF_1_NOW, DF_1_PIE, DF_BIND_NOW, DT_FLAGS, DT_FLAGS_1};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_RELRO, PT_GNU_STACK};
use goblin::elf::{Elf, Sym, Symtab, header, program_header, section_header, sym};
use nexus_proto::report::{ElfHardening, ElfReport, ElfSection, ElfSegment, ElfSymbol};

use crate::bytes::slice_at;
use crate::config::EngineConfig;
use crate::entropy::shannon;
use crate::error::EngineError;

/// Machine name for an e_machine value.
pub fn machine_name(machine: u16) -> String {
    let name = match machine {
        header::EM_386 => "i386",
        header::EM_X86_64 => "x86_64",
        header::EM_ARM => "arm",
        header::EM_AARCH64 => "aarch64",
        header::EM_MIPS => "mips",
        header::EM_PPC => "powerpc",
        header::EM_PPC64 => "powerpc64",
        header::EM_RISCV => "riscv",
        header::EM_SPARC => "sparc",
        header::EM_S390 => "s390",
        other => return format!("unknown({other})"),
    };
    name.to_owned()
}

/// Parses `bytes` as an ELF file.
pub fn analyze(bytes: &[u8], config: &EngineConfig) -> Result<ElfReport, EngineError> {
    let elf = Elf::parse(bytes).map_err(|error| EngineError::ParseFailed {
        format: "elf",
        detail: error.to_string(),
    })?;
    let limit = config.max_list_entries;

    let sections = elf
        .section_headers
        .iter()
        .take(limit)
        .map(|section| {
            let data = if section.sh_type == section_header::SHT_NOBITS {
                &[][..]
            } else {
                slice_at(bytes, section.sh_offset, section.sh_size).unwrap_or_default()
            };
            ElfSection {
                name: elf
                    .shdr_strtab
                    .get_at(section.sh_name)
                    .unwrap_or_default()
                    .to_owned(),
                section_type: lower_name(section_header::sht_to_str(section.sh_type), "SHT_"),
                flags: section_flags(section.sh_flags),
                address: section.sh_addr,
                offset: section.sh_offset,
                size: section.sh_size,
                entropy: shannon(data),
            }
        })
        .collect();

    let segments = elf
        .program_headers
        .iter()
        .take(limit)
        .map(|segment| ElfSegment {
            segment_type: lower_name(program_header::pt_to_str(segment.p_type), "PT_"),
            flags: segment_flags(segment.p_flags),
            offset: segment.p_offset,
            virtual_address: segment.p_vaddr,
            file_size: segment.p_filesz,
            memory_size: segment.p_memsz,
        })
        .collect();

    let (imported_symbols, exported_symbols) = dynamic_symbols(&elf, limit);
    let hardening = hardening(&elf);

    Ok(ElfReport {
        class: if elf.is_64 { "elf64" } else { "elf32" }.to_owned(),
        endianness: if elf.little_endian { "little" } else { "big" }.to_owned(),
        elf_type: lower_name(header::et_to_str(elf.header.e_type), "ET_"),
        machine: machine_name(elf.header.e_machine),
        machine_id: elf.header.e_machine,
        entry_point: elf.entry,
        interpreter: elf.interpreter.map(str::to_owned),
        soname: elf.soname.map(str::to_owned),
        sections,
        segments,
        needed: elf
            .libraries
            .iter()
            .map(|library| (*library).to_owned())
            .collect(),
        dynsym_count: elf.dynsyms.len() as u64,
        symtab_count: elf.syms.len() as u64,
        imported_symbols,
        exported_symbols,
        hardening,
    })
}

/// `SHT_PROGBITS` → `progbits`; unknown values keep goblin's text.
fn lower_name(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix)
        .unwrap_or(name)
        .to_ascii_lowercase()
}

fn section_flags(flags: u64) -> String {
    const LETTERS: &[(u64, char)] = &[
        (0x1, 'W'),
        (0x2, 'A'),
        (0x4, 'X'),
        (0x10, 'M'),
        (0x20, 'S'),
        (0x40, 'I'),
        (0x80, 'L'),
        (0x100, 'O'),
        (0x200, 'G'),
        (0x400, 'T'),
        (0x800, 'C'),
    ];
    LETTERS
        .iter()
        .filter(|&&(bit, _)| flags & bit != 0)
        .map(|&(_, letter)| letter)
        .collect()
}

fn segment_flags(flags: u32) -> String {
    [(PF_R, 'r'), (PF_W, 'w'), (PF_X, 'x')]
        .iter()
        .map(|&(bit, letter)| if flags & bit != 0 { letter } else { '-' })
        .collect()
}

fn symbol(elf: &Elf<'_>, entry: &Sym) -> Option<ElfSymbol> {
    let name = elf.dynstrtab.get_at(entry.st_name)?;
    if name.is_empty() {
        return None;
    }
    Some(ElfSymbol {
        name: name.to_owned(),
        symbol_type: lower_name(sym::type_to_str(entry.st_type()), "STT_"),
        binding: lower_name(sym::bind_to_str(entry.st_bind()), "STB_"),
        value: entry.st_value,
        size: entry.st_size,
    })
}

/// Undefined dynamic symbols are imports; defined global or weak ones are exports.
fn dynamic_symbols(elf: &Elf<'_>, limit: usize) -> (Vec<ElfSymbol>, Vec<ElfSymbol>) {
    let symbols: &Symtab<'_> = &elf.dynsyms;
    let mut imported = Vec::new();
    let mut exported = Vec::new();
    for entry in symbols.iter() {
        let bind = entry.st_bind();
        let is_global =
            bind == sym::STB_GLOBAL || bind == sym::STB_WEAK || bind == sym::STB_GNU_UNIQUE;
        if !is_global || matches!(entry.st_type(), sym::STT_SECTION | sym::STT_FILE) {
            continue;
        }
        let Some(described) = symbol(elf, &entry) else {
            continue;
        };
        if entry.st_shndx == section_header::SHN_UNDEF as usize {
            if imported.len() < limit {
                imported.push(described);
            }
        } else if exported.len() < limit {
            exported.push(described);
        }
    }
    (imported, exported)
}

fn hardening(elf: &Elf<'_>) -> ElfHardening {
    let stack = elf
        .program_headers
        .iter()
        .find(|segment| segment.p_type == PT_GNU_STACK);
    // Without PT_GNU_STACK the kernel maps the stack executable on most architectures.
    let nx = stack.is_some_and(|segment| segment.p_flags & PF_X == 0);
    let has_relro = elf
        .program_headers
        .iter()
        .any(|segment| segment.p_type == PT_GNU_RELRO);
    let dynamic_value = |tag: u64| {
        elf.dynamic.as_ref().and_then(|dynamic| {
            dynamic
                .dyns
                .iter()
                .find(|entry| entry.d_tag == tag)
                .map(|entry| entry.d_val)
        })
    };
    let flags = dynamic_value(DT_FLAGS).unwrap_or(0);
    let flags_1 = dynamic_value(DT_FLAGS_1).unwrap_or(0);
    let bind_now = flags & DF_BIND_NOW != 0
        || flags_1 & DF_1_NOW != 0
        || elf.dynamic.as_ref().is_some_and(|dynamic| {
            dynamic
                .dyns
                .iter()
                .any(|entry| entry.d_tag == goblin::elf::dynamic::DT_BIND_NOW)
        });
    let relro = match (has_relro, bind_now) {
        (false, _) => "none",
        (true, false) => "partial",
        (true, true) => "full",
    };
    let pie = elf.header.e_type == header::ET_DYN
        && (elf.interpreter.is_some() || flags_1 & DF_1_PIE != 0 || elf.is_lib);
    let names = || {
        let dynamic = elf
            .dynsyms
            .iter()
            .filter_map(|entry| elf.dynstrtab.get_at(entry.st_name));
        let static_symbols = elf
            .syms
            .iter()
            .filter_map(|entry| elf.strtab.get_at(entry.st_name));
        dynamic.chain(static_symbols)
    };
    let stack_canary = names()
        .any(|name| name.starts_with("__stack_chk_fail") || name.starts_with("__stack_chk_guard"));
    let fortify = names().any(|name| {
        name.starts_with("__") && name.ends_with("_chk") && !name.starts_with("__stack_chk")
    });
    ElfHardening {
        nx,
        pie,
        relro: relro.to_owned(),
        stack_canary,
        fortify,
    }
}
