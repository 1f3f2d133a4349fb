//! PE (Windows Portable Executable) analysis.
//!
//! Why not goblin's `PE::parse` here: it rejects the whole image when one table is malformed (it
//! fails on several of the YARA fixtures), and it does not expose delay imports, IAT slot RVAs,
//! export ordinals, resource languages or version info. This module therefore reads the PE
//! structures directly with bounds-checked readers, table by table, so one bad table costs only
//! that table (recorded in `pe.warnings`). goblin still parses ELF and Mach-O.
//!
//! Files: [`layout`] (headers, sections, RVA mapping), [`imports`] (standard, delay-load,
//! imphash), [`exports`], [`resources`] (tree and version info), [`rich`], [`checksum`],
//! [`signature`] (Authenticode certificates), [`debug`] (PDB, TLS callbacks), [`headers`] (names).

pub mod headers;

mod checksum;
mod debug;
mod exports;
mod imports;
mod layout;
mod resources;
mod rich;
mod signature;

pub use imports::imphash;

use nexus_proto::report::{PeChecksum, PeOverlay, PeReport, PeSection};

use crate::bytes::slice_at;
use crate::config::EngineConfig;
use crate::entropy::shannon;
use crate::error::EngineError;
use crate::hashes::{md5_hex, sha256_hex};
use layout::{Layout, directory};

/// Warnings kept per report: a hostile file can produce one per malformed entry.
const MAX_WARNINGS: usize = 100;

/// Parses `bytes` as a PE. Fails only when there is no `MZ`…`PE\0\0` signature at all.
pub fn analyze(bytes: &[u8], config: &EngineConfig) -> Result<PeReport, EngineError> {
    let layout = Layout::parse(bytes).ok_or_else(|| EngineError::ParseFailed {
        format: "pe",
        detail: "no PE signature at e_lfanew".to_owned(),
    })?;
    let mut warnings = layout.warnings.clone();
    let optional = layout.optional.clone().unwrap_or_default();
    if layout.optional.is_none() {
        warnings.push("no usable optional header".to_owned());
    }

    let sections = layout
        .sections
        .iter()
        .map(|section| section_report(bytes, section))
        .collect();
    let imports = imports::parse(bytes, &layout, &mut warnings);
    let (export_dll_name, exports) =
        exports::parse(bytes, &layout, config.max_list_entries, &mut warnings);
    let tree = resources::parse(bytes, &layout, config.max_list_entries, &mut warnings);
    let version_info = tree
        .version_data
        .map(resources::version_info)
        .unwrap_or_default();
    let entry_point_offset = layout
        .optional
        .as_ref()
        .and_then(|_| layout.rva_to_offset(optional.entry_point, bytes.len()));

    Ok(PeReport {
        machine: headers::machine_name(layout.machine),
        machine_id: layout.machine,
        is_64: optional.is_64,
        is_dll: layout.characteristics & 0x2000 != 0,
        subsystem: headers::subsystem_name(optional.subsystem),
        image_base: optional.image_base,
        entry_point: optional.entry_point,
        entry_point_offset,
        entry_point_section: layout
            .section_of_rva(optional.entry_point)
            .map(|section| section.name.clone()),
        timestamp: layout.timestamp,
        compile_time: headers::timestamp_rfc3339(layout.timestamp),
        characteristics: headers::characteristics_names(layout.characteristics),
        dll_characteristics: headers::dll_characteristics_names(optional.dll_characteristics),
        linker_version: format!(
            "{}.{}",
            optional.linker_version.0, optional.linker_version.1
        ),
        os_version: format!("{}.{}", optional.os_version.0, optional.os_version.1),
        subsystem_version: format!(
            "{}.{}",
            optional.subsystem_version.0, optional.subsystem_version.1
        ),
        checksum: checksum_report(bytes, &layout),
        sections,
        imports,
        export_dll_name,
        exports,
        resources: tree.resources,
        version_info,
        pdb: debug::pdb(bytes, &layout),
        rich_header: rich::parse(bytes, layout.pe_offset),
        overlay: overlay(bytes, &layout),
        signature: signature::parse(bytes, &layout, &mut warnings),
        tls_callbacks: debug::tls_callbacks(bytes, &layout),
        is_dotnet: layout.directory(directory::CLR).is_some(),
        warnings: at_most(warnings, MAX_WARNINGS),
    })
}

fn section_report(bytes: &[u8], section: &layout::Section) -> PeSection {
    // Only the part of the raw data actually present in the file is measured.
    let start = u64::from(section.raw_offset).min(bytes.len() as u64);
    let available = (bytes.len() as u64 - start).min(u64::from(section.raw_size));
    let data = slice_at(bytes, start, available).unwrap_or_default();
    PeSection {
        name: section.name.clone(),
        short_name: section.short_name.clone(),
        virtual_address: section.virtual_address,
        virtual_size: section.virtual_size,
        raw_offset: section.raw_offset,
        raw_size: section.raw_size,
        entropy: shannon(data),
        md5: md5_hex(data),
        sha256: sha256_hex(data),
        characteristics: headers::section_flag_names(section.characteristics),
        characteristics_raw: section.characteristics,
    }
}

fn checksum_report(bytes: &[u8], layout: &Layout) -> PeChecksum {
    // Without an optional header the field's would-be offset is skipped, as pefile does.
    let (stated, field_offset) = match &layout.optional {
        Some(optional) => (optional.checksum, optional.checksum_offset),
        None => (0, layout.pe_offset + 24 + 64),
    };
    let computed = checksum::compute(bytes, field_offset);
    PeChecksum {
        stated,
        computed,
        mismatch: stated != 0 && stated != computed,
    }
}

/// `items` cut to its first `limit`.
fn at_most<T>(mut items: Vec<T>, limit: usize) -> Vec<T> {
    items.truncate(limit);
    items
}

/// Bytes past everything the headers describe, computed like pefile's
/// `get_overlay_data_start_offset`: the furthest end, within the file, of the optional header, of
/// each section's raw data and of each data directory except the certificate table.
fn overlay(bytes: &[u8], layout: &Layout) -> Option<PeOverlay> {
    let file_len = bytes.len() as u64;
    let sections = layout
        .sections
        .iter()
        .map(|section| u64::from(section.raw_offset) + u64::from(section.raw_size));
    let directories = (0..16)
        .filter(|&index| index != directory::SECURITY)
        .filter_map(|index| {
            let (rva, size) = layout.directory(index)?;
            Some(layout.rva_to_offset(rva, bytes.len())? + u64::from(size))
        });
    let end = std::iter::once(layout.optional_header_end as u64)
        .chain(sections)
        .chain(directories)
        .filter(|&end| end <= file_len)
        .max()?;
    let size = file_len.checked_sub(end).filter(|&size| size > 0)?;
    let data = slice_at(bytes, end, size)?;
    Some(PeOverlay {
        offset: end,
        size,
        sha256: sha256_hex(data),
        entropy: shannon(data),
    })
}
