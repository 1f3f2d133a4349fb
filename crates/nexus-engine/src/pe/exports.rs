//! The export directory: names, ordinals, RVAs, file offsets and forwarders.

use nexus_proto::report::PeExport;

use super::layout::{Layout, directory};
use crate::bytes::u32_le;

/// Cap on exported functions read (the ordinal space is 16 bits).
const MAX_EXPORTS: usize = 65_536;

/// Reads the export directory: `(dll name, exports)`.
pub(crate) fn parse(
    bytes: &[u8],
    layout: &Layout,
    limit: usize,
    warnings: &mut Vec<String>,
) -> (Option<String>, Vec<PeExport>) {
    let Some((directory_rva, directory_size)) = layout.directory(directory::EXPORT) else {
        return (None, Vec::new());
    };
    let to_offset = |rva: u32| {
        layout
            .rva_to_offset(rva, bytes.len())
            .and_then(|offset| usize::try_from(offset).ok())
    };
    let Some(base) = to_offset(directory_rva) else {
        warnings.push(format!(
            "export directory RVA {directory_rva:#x} is outside the file"
        ));
        return (None, Vec::new());
    };
    let field = |index: usize| u32_le(bytes, base + index * 4);
    let (
        Some(name_rva),
        Some(ordinal_base),
        Some(function_count),
        Some(name_count),
        Some(functions_rva),
        Some(names_rva),
        Some(ordinals_rva),
    ) = (
        field(3),
        field(4),
        field(5),
        field(6),
        field(7),
        field(8),
        field(9),
    )
    else {
        warnings.push("export directory is truncated".to_owned());
        return (None, Vec::new());
    };
    let dll_name = to_offset(name_rva).and_then(|offset| c_string(bytes, offset));
    let function_count = usize::try_from(function_count)
        .unwrap_or(usize::MAX)
        .min(MAX_EXPORTS)
        .min(limit);
    let name_count = usize::try_from(name_count)
        .unwrap_or(usize::MAX)
        .min(MAX_EXPORTS);

    // Names point at function indexes through the ordinal table.
    let mut names: Vec<Option<String>> = vec![None; function_count];
    if let (Some(names_offset), Some(ordinals_offset)) =
        (to_offset(names_rva), to_offset(ordinals_rva))
    {
        for index in 0..name_count {
            let Some(function_index) =
                bytes.get(ordinals_offset + index * 2..ordinals_offset + index * 2 + 2)
            else {
                break;
            };
            let function_index =
                usize::from(u16::from_le_bytes([function_index[0], function_index[1]]));
            let Some(name) = u32_le(bytes, names_offset + index * 4)
                .and_then(to_offset)
                .and_then(|offset| c_string(bytes, offset))
            else {
                continue;
            };
            if let Some(slot) = names.get_mut(function_index) {
                slot.get_or_insert(name);
            }
        }
    }

    let mut exports = Vec::new();
    let Some(functions_offset) = to_offset(functions_rva) else {
        warnings.push("export address table is outside the file".to_owned());
        return (dll_name, exports);
    };
    let directory_end = u64::from(directory_rva) + u64::from(directory_size);
    for (index, name) in names.into_iter().enumerate() {
        let Some(rva) = u32_le(bytes, functions_offset + index * 4) else {
            warnings.push("export address table is truncated".to_owned());
            break;
        };
        if rva == 0 {
            continue;
        }
        let is_forwarder = rva >= directory_rva && u64::from(rva) < directory_end;
        let forwarder = if is_forwarder {
            to_offset(rva).and_then(|offset| c_string(bytes, offset))
        } else {
            None
        };
        exports.push(PeExport {
            name,
            ordinal: ordinal_base.wrapping_add(u32::try_from(index).unwrap_or(u32::MAX)),
            rva,
            offset: if is_forwarder {
                None
            } else {
                layout.rva_to_offset(rva, bytes.len())
            },
            forwarder,
        });
    }
    (dll_name, exports)
}

fn c_string(bytes: &[u8], offset: usize) -> Option<String> {
    let tail = bytes.get(offset..)?;
    let end = tail.iter().take(512).position(|&byte| byte == 0)?;
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}
