//! Debug directory (CodeView RSDS → PDB path, GUID, age) and TLS callbacks.

use nexus_core::hex;
use nexus_proto::report::PePdb;

use super::layout::{Layout, directory};
use crate::bytes::{u16_le, u32_le};

/// Cap on debug directory entries examined.
const MAX_DEBUG_ENTRIES: usize = 64;
/// Cap on TLS callbacks read.
const MAX_TLS_CALLBACKS: usize = 256;
/// IMAGE_DEBUG_TYPE_CODEVIEW.
const DEBUG_TYPE_CODEVIEW: u32 = 2;

/// The first CodeView PDB 7.0 record.
pub(crate) fn pdb(bytes: &[u8], layout: &Layout) -> Option<PePdb> {
    let (rva, size) = layout.directory(directory::DEBUG)?;
    let start = usize::try_from(layout.rva_to_offset(rva, bytes.len())?).ok()?;
    let count = (size as usize / 28).clamp(1, MAX_DEBUG_ENTRIES);
    (0..count).find_map(|index| {
        let entry = start + index * 28;
        if u32_le(bytes, entry + 12)? != DEBUG_TYPE_CODEVIEW {
            return None;
        }
        let data_size = u32_le(bytes, entry + 16)? as usize;
        let pointer = u32_le(bytes, entry + 24)? as usize;
        let record = bytes.get(pointer..pointer.checked_add(data_size)?)?;
        if !record.starts_with(b"RSDS") || record.len() < 24 {
            return None;
        }
        let guid = format!(
            "{:08X}-{:04X}-{:04X}-{}-{}",
            u32_le(record, 4)?,
            u16_le(record, 8)?,
            u16_le(record, 10)?,
            hex::encode_upper(&record[12..14]),
            hex::encode_upper(&record[14..20]),
        );
        let age = u32_le(record, 20)?;
        let path = &record[24..];
        let path = &path[..path
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(path.len())];
        Some(PePdb {
            path: String::from_utf8_lossy(path).into_owned(),
            guid,
            age,
        })
    })
}

/// Virtual addresses of the TLS callbacks.
pub(crate) fn tls_callbacks(bytes: &[u8], layout: &Layout) -> Vec<u64> {
    let mut callbacks = Vec::new();
    let Some((rva, _)) = layout.directory(directory::TLS) else {
        return callbacks;
    };
    let Some(start) = layout
        .rva_to_offset(rva, bytes.len())
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        return callbacks;
    };
    let pointer_size = layout.pointer_size();
    let read_pointer = |offset: usize| -> Option<u64> {
        if pointer_size == 8 {
            Some(u64::from(u32_le(bytes, offset)?) | u64::from(u32_le(bytes, offset + 4)?) << 32)
        } else {
            u32_le(bytes, offset).map(u64::from)
        }
    };
    // AddressOfCallBacks is the fourth pointer-sized field, a VA.
    let Some(callbacks_va) = read_pointer(start + 3 * pointer_size) else {
        return callbacks;
    };
    let Some(callbacks_rva) = callbacks_va
        .checked_sub(layout.image_base())
        .and_then(|rva| u32::try_from(rva).ok())
    else {
        return callbacks;
    };
    let Some(array) = layout
        .rva_to_offset(callbacks_rva, bytes.len())
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        return callbacks;
    };
    for index in 0..MAX_TLS_CALLBACKS {
        match read_pointer(array + index * pointer_size) {
            Some(0) | None => break,
            Some(address) => callbacks.push(address),
        }
    }
    callbacks
}
