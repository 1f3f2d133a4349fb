//! The PE skeleton: DOS header, COFF header, optional header, data directories and section table.
//!
//! This reader is deliberately tolerant: it keeps whatever headers are present in a truncated file
//! (goblin's `PE::parse` rejects the whole image when one table is bad), and it maps RVAs to file
//! offsets the way YARA and pefile do, so reported offsets agree with those tools.

use crate::bytes::{printable_name, u16_le, u32_le};

/// Data directory indexes used by the engine.
pub(crate) mod directory {
    /// Export table.
    pub const EXPORT: usize = 0;
    /// Import table.
    pub const IMPORT: usize = 1;
    /// Resource table.
    pub const RESOURCE: usize = 2;
    /// Certificate table (its "RVA" is a file offset).
    pub const SECURITY: usize = 4;
    /// Debug directory.
    pub const DEBUG: usize = 6;
    /// TLS directory.
    pub const TLS: usize = 9;
    /// Delay-load import descriptors.
    pub const DELAY_IMPORT: usize = 13;
    /// CLR (COM descriptor) header: set for .NET assemblies.
    pub const CLR: usize = 14;
}

/// More sections than this are not read (the loader's own limit is 96; YARA reads up to 96 too).
const MAX_SECTIONS: usize = 96;

/// The parsed PE skeleton.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// File offset of `PE\0\0`.
    pub pe_offset: usize,
    /// COFF machine.
    pub machine: u16,
    /// COFF TimeDateStamp.
    pub timestamp: u32,
    /// COFF PointerToSymbolTable.
    pub symbol_table_offset: u32,
    /// COFF NumberOfSymbols.
    pub number_of_symbols: u32,
    /// COFF characteristics.
    pub characteristics: u16,
    /// File offset just past the optional header (as declared).
    pub optional_header_end: usize,
    /// Optional header, when present and complete enough.
    pub optional: Option<OptionalHeader>,
    /// Section headers.
    pub sections: Vec<Section>,
    /// Things found wrong while reading.
    pub warnings: Vec<String>,
}

/// Fields of the optional header the report needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct OptionalHeader {
    /// PE32+ when true.
    pub is_64: bool,
    /// Major and minor version of the linker that built the file (MajorLinkerVersion, Minor…).
    pub linker_version: (u8, u8),
    /// RVA where execution starts (AddressOfEntryPoint); 0 for most DLLs.
    pub entry_point: u32,
    /// Preferred load address (ImageBase); relocations apply when the loader picks another.
    pub image_base: u64,
    /// Alignment of section data in the file, in bytes (FileAlignment).
    pub file_alignment: u32,
    /// Minimum operating-system version the image declares (major, minor).
    pub os_version: (u16, u16),
    /// Minimum subsystem version the image declares (major, minor).
    pub subsystem_version: (u16, u16),
    /// Stored CheckSum; 0 when the linker did not compute one.
    pub checksum: u32,
    /// File offset of the CheckSum field.
    pub checksum_offset: usize,
    /// IMAGE_SUBSYSTEM_* code (2 GUI, 3 console, ...), named by `headers::subsystem_name`.
    pub subsystem: u16,
    /// IMAGE_DLLCHARACTERISTICS_* flags (ASLR, DEP, CFG, ...).
    pub dll_characteristics: u16,
    /// Data directories (rva, size), as many as declared and present.
    pub directories: Vec<(u32, u32)>,
}

/// One section header.
#[derive(Debug, Clone, Default)]
pub(crate) struct Section {
    /// Full name (`/N` resolved through the COFF string table).
    pub name: String,
    /// Name field as stored.
    pub short_name: String,
    /// Bytes the section occupies in memory (VirtualSize).
    pub virtual_size: u32,
    /// RVA of the section once loaded (VirtualAddress).
    pub virtual_address: u32,
    /// Bytes of section data in the file (SizeOfRawData).
    pub raw_size: u32,
    /// File offset of the section data (PointerToRawData).
    pub raw_offset: u32,
    /// IMAGE_SCN_* flags: code/data, readable, writable, executable.
    pub characteristics: u32,
}

impl Layout {
    /// Reads the skeleton; `None` when there is no `MZ` … `PE\0\0` at all.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        if !bytes.starts_with(b"MZ") {
            return None;
        }
        let pe_offset = usize::try_from(u32_le(bytes, 0x3c)?).ok()?;
        if bytes.get(pe_offset..pe_offset.checked_add(4)?) != Some(b"PE\0\0") {
            return None;
        }
        let coff = pe_offset + 4;
        let mut layout = Layout {
            pe_offset,
            ..Layout::default()
        };
        let (Some(machine), Some(section_count), Some(timestamp)) = (
            u16_le(bytes, coff),
            u16_le(bytes, coff + 2),
            u32_le(bytes, coff + 4),
        ) else {
            layout.warnings.push("COFF header is truncated".to_owned());
            return Some(layout);
        };
        layout.machine = machine;
        layout.timestamp = timestamp;
        layout.symbol_table_offset = u32_le(bytes, coff + 8).unwrap_or(0);
        layout.number_of_symbols = u32_le(bytes, coff + 12).unwrap_or(0);
        let optional_size = usize::from(u16_le(bytes, coff + 16).unwrap_or(0));
        layout.characteristics = u16_le(bytes, coff + 18).unwrap_or(0);
        let optional_offset = coff + 20;
        layout.optional_header_end = optional_offset + optional_size;
        layout.optional =
            parse_optional(bytes, optional_offset, optional_size, &mut layout.warnings);
        layout.sections = layout.parse_sections(
            bytes,
            optional_offset + optional_size,
            usize::from(section_count),
        );
        Some(layout)
    }

    fn parse_sections(
        &mut self,
        bytes: &[u8],
        table_offset: usize,
        declared: usize,
    ) -> Vec<Section> {
        if declared > MAX_SECTIONS {
            self.warnings.push(format!(
                "{declared} sections declared; only the first {MAX_SECTIONS} are read"
            ));
        }
        let mut sections = Vec::new();
        for index in 0..declared.min(MAX_SECTIONS) {
            let offset = table_offset + index * 40;
            let Some(raw) = bytes.get(offset..offset + 40) else {
                self.warnings.push(format!(
                    "section table is truncated after {index} of {declared} entries"
                ));
                break;
            };
            let short_name = printable_name(&raw[..8]);
            let name = self
                .long_section_name(bytes, &short_name)
                .unwrap_or_else(|| short_name.clone());
            sections.push(Section {
                name,
                short_name,
                virtual_size: u32_le(raw, 8).unwrap_or(0),
                virtual_address: u32_le(raw, 12).unwrap_or(0),
                raw_size: u32_le(raw, 16).unwrap_or(0),
                raw_offset: u32_le(raw, 20).unwrap_or(0),
                characteristics: u32_le(raw, 36).unwrap_or(0),
            });
        }
        sections
    }

    /// Resolves a `/N` name through the COFF string table (it follows the 18-byte symbols).
    fn long_section_name(&self, bytes: &[u8], short_name: &str) -> Option<String> {
        let string_offset: usize = short_name.strip_prefix('/')?.parse().ok()?;
        if self.symbol_table_offset == 0 {
            return None;
        }
        let table = usize::try_from(self.symbol_table_offset)
            .ok()?
            .checked_add(
                usize::try_from(self.number_of_symbols)
                    .ok()?
                    .checked_mul(18)?,
            )?;
        let start = table.checked_add(string_offset)?;
        let tail = bytes.get(start..)?;
        let end = tail.iter().take(256).position(|&byte| byte == 0)?;
        Some(printable_name(&tail[..end]))
    }

    /// `(rva, size)` of data directory `index`, when declared and non-empty.
    pub fn directory(&self, index: usize) -> Option<(u32, u32)> {
        let &(rva, size) = self.optional.as_ref()?.directories.get(index)?;
        (rva != 0).then_some((rva, size))
    }

    /// Image base, 0 without an optional header.
    pub fn image_base(&self) -> u64 {
        self.optional
            .as_ref()
            .map_or(0, |optional| optional.image_base)
    }

    /// Pointer size in bytes.
    pub fn pointer_size(&self) -> usize {
        if self
            .optional
            .as_ref()
            .is_some_and(|optional| optional.is_64)
        {
            8
        } else {
            4
        }
    }

    /// Maps an RVA to a file offset like YARA's `pe_rva_to_offset`: the section with the highest
    /// virtual address not above `rva` wins, its raw pointer rounded down to 0x200 (the loader
    /// ignores the low bits); RVAs before every section map to themselves. `None` when the result
    /// falls outside `file_len` or past the section's raw data.
    pub fn rva_to_offset(&self, rva: u32, file_len: usize) -> Option<u64> {
        let mut best: Option<&Section> = None;
        for section in &self.sections {
            if rva >= section.virtual_address
                && best.is_none_or(|current| section.virtual_address >= current.virtual_address)
            {
                best = Some(section);
            }
        }
        let offset = match best {
            None => u64::from(rva),
            Some(section) => {
                let delta = rva - section.virtual_address;
                if delta >= section.raw_size {
                    return None;
                }
                let file_alignment = self
                    .optional
                    .as_ref()
                    .map_or(0x200, |optional| optional.file_alignment);
                let alignment = file_alignment.clamp(1, 0x200);
                let raw_start = u64::from(section.raw_offset / alignment * alignment);
                raw_start + u64::from(delta)
            }
        };
        (offset < file_len as u64).then_some(offset)
    }

    /// The section containing `rva` in memory.
    pub fn section_of_rva(&self, rva: u32) -> Option<&Section> {
        self.sections.iter().find(|section| {
            let size = section.virtual_size.max(section.raw_size);
            rva >= section.virtual_address
                && u64::from(rva) < u64::from(section.virtual_address) + u64::from(size)
        })
    }
}

fn parse_optional(
    bytes: &[u8],
    offset: usize,
    declared_size: usize,
    warnings: &mut Vec<String>,
) -> Option<OptionalHeader> {
    if declared_size == 0 {
        return None;
    }
    let magic = u16_le(bytes, offset)?;
    let is_64 = match magic {
        0x10b => false,
        0x20b => true,
        other => {
            warnings.push(format!("unknown optional header magic {other:#x}"));
            return None;
        }
    };
    // Offsets of the Windows-specific fields differ only by the 8-byte ImageBase and the 4-byte
    // BaseOfData that PE32 has and PE32+ lacks.
    let image_base = if is_64 {
        u32_le(bytes, offset + 24)
            .zip(u32_le(bytes, offset + 28))
            .map(|(low, high)| u64::from(low) | u64::from(high) << 32)
    } else {
        u32_le(bytes, offset + 28).map(u64::from)
    };
    let Some(image_base) = image_base else {
        warnings.push("optional header is truncated".to_owned());
        return None;
    };
    let directory_count_offset = offset + if is_64 { 108 } else { 92 };
    let mut header = OptionalHeader {
        is_64,
        linker_version: (
            bytes.get(offset + 2).copied()?,
            bytes.get(offset + 3).copied()?,
        ),
        entry_point: u32_le(bytes, offset + 16)?,
        image_base,
        file_alignment: u32_le(bytes, offset + 36).unwrap_or(0),
        os_version: (
            u16_le(bytes, offset + 40).unwrap_or(0),
            u16_le(bytes, offset + 42).unwrap_or(0),
        ),
        subsystem_version: (
            u16_le(bytes, offset + 48).unwrap_or(0),
            u16_le(bytes, offset + 50).unwrap_or(0),
        ),
        checksum: u32_le(bytes, offset + 64).unwrap_or(0),
        checksum_offset: offset + 64,
        subsystem: u16_le(bytes, offset + 68).unwrap_or(0),
        dll_characteristics: u16_le(bytes, offset + 70).unwrap_or(0),
        directories: Vec::new(),
    };
    let declared_directories = u32_le(bytes, directory_count_offset).unwrap_or(0).min(16) as usize;
    for index in 0..declared_directories {
        let entry = directory_count_offset + 4 + index * 8;
        match (u32_le(bytes, entry), u32_le(bytes, entry + 4)) {
            (Some(rva), Some(size)) => header.directories.push((rva, size)),
            _ => {
                warnings.push(format!(
                    "data directories are truncated after {index} entries"
                ));
                break;
            }
        }
    }
    Some(header)
}
