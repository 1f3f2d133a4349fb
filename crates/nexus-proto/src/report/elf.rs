//! The ELF part of the report.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything parsed from an ELF file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ElfReport {
    /// `elf32` or `elf64`.
    pub class: String,
    /// `little` or `big`.
    pub endianness: String,
    /// Object type: `rel`, `exec`, `dyn`, `core` or `unknown(N)`.
    #[serde(rename = "type")]
    pub elf_type: String,
    /// Machine name (`x86_64`, `aarch64`, `i386`, `arm`, ...) or `unknown(N)`.
    pub machine: String,
    /// Raw e_machine value.
    pub machine_id: u16,
    /// e_entry.
    pub entry_point: u64,
    /// Program interpreter (PT_INTERP), e.g. `/lib64/ld-linux-x86-64.so.2`.
    #[serde(default)]
    pub interpreter: Option<String>,
    /// DT_SONAME, when present.
    #[serde(default)]
    pub soname: Option<String>,
    /// Section headers in file order (index 0, the null section, included).
    pub sections: Vec<ElfSection>,
    /// Program headers in file order.
    pub segments: Vec<ElfSegment>,
    /// DT_NEEDED libraries in order.
    pub needed: Vec<String>,
    /// Entries in `.dynsym`.
    pub dynsym_count: u64,
    /// Entries in `.symtab`.
    pub symtab_count: u64,
    /// Undefined dynamic symbols (what the file imports), bounded.
    pub imported_symbols: Vec<ElfSymbol>,
    /// Defined global or weak dynamic symbols (what the file exports), bounded.
    pub exported_symbols: Vec<ElfSymbol>,
    /// Exploit-mitigation flags.
    pub hardening: ElfHardening,
}

/// One section header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ElfSection {
    /// Name from the section-header string table.
    pub name: String,
    /// Section type (`progbits`, `nobits`, `symtab`, `dynsym`, ...).
    #[serde(rename = "type")]
    pub section_type: String,
    /// Flags as letters, readelf style (`W`, `A`, `X`, ...).
    pub flags: String,
    /// sh_addr.
    pub address: u64,
    /// sh_offset.
    pub offset: u64,
    /// sh_size.
    pub size: u64,
    /// Entropy of the bytes in the file (0 for `nobits`).
    pub entropy: f64,
}

/// One program header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ElfSegment {
    /// Segment type (`load`, `dynamic`, `interp`, `gnu_stack`, `gnu_relro`, ...).
    #[serde(rename = "type")]
    pub segment_type: String,
    /// Permissions as `rwx` with `-` for missing ones.
    pub flags: String,
    /// p_offset.
    pub offset: u64,
    /// p_vaddr.
    pub virtual_address: u64,
    /// p_filesz.
    pub file_size: u64,
    /// p_memsz.
    pub memory_size: u64,
}

/// One dynamic symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ElfSymbol {
    /// Symbol name.
    pub name: String,
    /// `func`, `object`, `notype`, ...
    #[serde(rename = "type")]
    pub symbol_type: String,
    /// `global`, `weak`, `local`, ...
    pub binding: String,
    /// st_value.
    pub value: u64,
    /// st_size.
    pub size: u64,
}

/// Exploit mitigations, checksec style.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ElfHardening {
    /// Stack not executable (PT_GNU_STACK without X).
    pub nx: bool,
    /// Position independent (ET_DYN with an interpreter or DF_1_PIE, or a shared object).
    pub pie: bool,
    /// `none`, `partial` (PT_GNU_RELRO) or `full` (plus BIND_NOW).
    pub relro: String,
    /// References `__stack_chk_fail` (or `__stack_chk_guard`).
    pub stack_canary: bool,
    /// References any `__*_chk` FORTIFY_SOURCE function.
    pub fortify: bool,
}
