//! Standard and delay-load imports, and the imphash.
//!
//! Read directly from the tables (goblin does not expose delay imports or IAT slot RVAs). IAT slot
//! RVAs follow YARA's definition: FirstThunk (or the delay IAT) plus index × pointer size.

use nexus_proto::report::{PeImportFunction, PeImportLibrary};

use super::layout::{Layout, directory};
use crate::bytes::u32_le;
use crate::hashes::md5_hex;

/// YARA's cap on imports per library, kept so a hostile table cannot make us loop for long.
const MAX_FUNCTIONS_PER_LIBRARY: usize = 16_384;
/// Cap on import descriptors.
const MAX_LIBRARIES: usize = 4_096;
/// Cap on imported functions across all libraries: thousands of descriptors can share one huge
/// thunk array, which would otherwise multiply into millions of entries.
const MAX_TOTAL_FUNCTIONS: usize = 65_536;
/// Longest DLL or function name read.
const MAX_NAME_BYTES: usize = 512;

/// Reads both import tables; problems go to `warnings`.
pub(crate) fn parse(
    bytes: &[u8],
    layout: &Layout,
    warnings: &mut Vec<String>,
) -> Vec<PeImportLibrary> {
    let mut libraries = Vec::new();
    if let Some((rva, _)) = layout.directory(directory::IMPORT) {
        standard(bytes, layout, rva, &mut libraries, warnings);
    }
    if let Some((rva, _)) = layout.directory(directory::DELAY_IMPORT) {
        delayed(bytes, layout, rva, &mut libraries, warnings);
    }
    libraries
}

fn standard(
    bytes: &[u8],
    layout: &Layout,
    table_rva: u32,
    out: &mut Vec<PeImportLibrary>,
    warnings: &mut Vec<String>,
) {
    let Some(table) = layout.rva_to_offset(table_rva, bytes.len()) else {
        warnings.push(format!(
            "import directory RVA {table_rva:#x} is outside the file"
        ));
        return;
    };
    for index in 0..MAX_LIBRARIES {
        let Some(entry) = usize::try_from(table)
            .ok()
            .and_then(|table| table.checked_add(index * 20))
        else {
            break;
        };
        let fields: Option<Vec<u32>> = (0..5)
            .map(|field| u32_le(bytes, entry + field * 4))
            .collect();
        let Some(fields) = fields else {
            warnings.push("import directory is truncated".to_owned());
            break;
        };
        let [original_first_thunk, _, _, name_rva, first_thunk] = fields[..] else {
            break;
        };
        if fields.iter().all(|&field| field == 0) {
            break;
        }
        let Some(library) = read_name(bytes, layout, name_rva) else {
            warnings.push(format!(
                "import descriptor {index} has an unreadable DLL name"
            ));
            continue;
        };
        let lookup = if original_first_thunk != 0 {
            original_first_thunk
        } else {
            first_thunk
        };
        let Some(limit) = remaining(out, warnings) else {
            break;
        };
        let functions = thunks(limit, bytes, layout, lookup, first_thunk, 0);
        out.push(PeImportLibrary {
            library,
            delayed: false,
            functions,
        });
    }
}

fn delayed(
    bytes: &[u8],
    layout: &Layout,
    table_rva: u32,
    out: &mut Vec<PeImportLibrary>,
    warnings: &mut Vec<String>,
) {
    let Some(table) = layout
        .rva_to_offset(table_rva, bytes.len())
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        warnings.push(format!(
            "delay-import directory RVA {table_rva:#x} is outside the file"
        ));
        return;
    };
    let image_base = layout.image_base();
    for index in 0..MAX_LIBRARIES {
        let entry = table + index * 32;
        let fields: Option<Vec<u32>> = (0..8)
            .map(|field| u32_le(bytes, entry + field * 4))
            .collect();
        let Some(fields) = fields else {
            warnings.push("delay-import directory is truncated".to_owned());
            break;
        };
        let [attributes, name, _module, iat, int, ..] = fields[..] else {
            break;
        };
        if name == 0 || fields.iter().all(|&field| field == 0) {
            break;
        }
        // Version 1 descriptors (attribute bit 0 set) hold RVAs; version 0 (VC6) holds VAs.
        let to_rva = |value: u32| -> u32 {
            if attributes & 1 == 1 || value == 0 {
                value
            } else {
                u32::try_from(u64::from(value).wrapping_sub(image_base)).unwrap_or(0)
            }
        };
        let Some(library) = read_name(bytes, layout, to_rva(name)) else {
            warnings.push(format!(
                "delay-import descriptor {index} has an unreadable DLL name"
            ));
            continue;
        };
        let Some(limit) = remaining(out, warnings) else {
            break;
        };
        let functions = thunks(
            limit,
            bytes,
            layout,
            to_rva(int),
            to_rva(iat),
            if attributes & 1 == 1 { 0 } else { image_base },
        );
        out.push(PeImportLibrary {
            library,
            delayed: true,
            functions,
        });
    }
}

/// How many more functions may be read, `None` (with a warning) once the total cap is reached.
fn remaining(libraries: &[PeImportLibrary], warnings: &mut Vec<String>) -> Option<usize> {
    let used: usize = libraries
        .iter()
        .map(|library| library.functions.len())
        .sum();
    let left = MAX_TOTAL_FUNCTIONS.saturating_sub(used);
    if left == 0 {
        warnings.push(format!(
            "more than {MAX_TOTAL_FUNCTIONS} imported functions; the rest are omitted"
        ));
        return None;
    }
    Some(left)
}

/// Walks a thunk array (lookup table at `lookup_rva`), naming IAT slots from `iat_rva`.
/// `name_bias` is subtracted from hint/name pointers (non-zero only for VA-based delay tables).
fn thunks(
    limit: usize,
    bytes: &[u8],
    layout: &Layout,
    lookup_rva: u32,
    iat_rva: u32,
    name_bias: u64,
) -> Vec<PeImportFunction> {
    let pointer_size = layout.pointer_size();
    let mut functions = Vec::new();
    let Some(start) = layout
        .rva_to_offset(lookup_rva, bytes.len())
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        return functions;
    };
    for index in 0..MAX_FUNCTIONS_PER_LIBRARY.min(limit) {
        let Some(slot) = start.checked_add(index * pointer_size) else {
            break;
        };
        let value = if pointer_size == 8 {
            match (u32_le(bytes, slot), u32_le(bytes, slot + 4)) {
                (Some(low), Some(high)) => u64::from(low) | u64::from(high) << 32,
                _ => break,
            }
        } else {
            match u32_le(bytes, slot) {
                Some(value) => u64::from(value),
                None => break,
            }
        };
        if value == 0 {
            break;
        }
        let ordinal_flag = if pointer_size == 8 {
            1u64 << 63
        } else {
            1u64 << 31
        };
        let iat_slot = u32::try_from(index * pointer_size)
            .ok()
            .and_then(|delta| iat_rva.checked_add(delta));
        if value & ordinal_flag != 0 {
            functions.push(PeImportFunction {
                name: None,
                ordinal: Some((value & 0xffff) as u16),
                iat_rva: iat_slot,
            });
            continue;
        }
        let hint_name_rva = u32::try_from(value.wrapping_sub(name_bias) & 0x7fff_ffff).unwrap_or(0);
        // Skip the 2-byte hint. YARA (like pefile) drops entries with neither name nor ordinal.
        match hint_name_rva
            .checked_add(2)
            .and_then(|rva| read_name(bytes, layout, rva))
        {
            Some(name) if !name.is_empty() => functions.push(PeImportFunction {
                name: Some(name),
                ordinal: None,
                iat_rva: iat_slot,
            }),
            _ => {}
        }
    }
    functions
}

/// NUL-terminated printable ASCII name at `rva`.
fn read_name(bytes: &[u8], layout: &Layout, rva: u32) -> Option<String> {
    let offset = usize::try_from(layout.rva_to_offset(rva, bytes.len())?).ok()?;
    let tail = bytes.get(offset..)?;
    let end = tail
        .iter()
        .take(MAX_NAME_BYTES)
        .position(|&byte| byte == 0)?;
    let raw = &tail[..end];
    if raw.iter().all(|&byte| (0x20..0x7f).contains(&byte)) {
        Some(String::from_utf8_lossy(raw).into_owned())
    } else {
        None
    }
}

/// The imphash as pefile's `get_imphash` and YARA's `pe.imphash()` compute it: standard imports
/// only, `lib.function` lower-cased, the `.dll`/`.ocx`/`.sys` extension dropped, imports by
/// ordinal named `ordN` (or by their well-known name for ws2_32/wsock32), joined with commas, MD5.
/// `None` when there are no standard imports.
pub fn imphash(libraries: &[PeImportLibrary]) -> Option<String> {
    let mut parts = Vec::new();
    for library in libraries.iter().filter(|library| !library.delayed) {
        let lower = library.library.to_ascii_lowercase();
        let stem = match lower.rsplit_once('.') {
            Some((stem, "dll" | "ocx" | "sys")) => stem.to_owned(),
            _ => lower.clone(),
        };
        for function in &library.functions {
            let name = match (&function.name, function.ordinal) {
                (Some(name), _) => name.to_ascii_lowercase(),
                (None, Some(ordinal)) => ordinal_name(&stem, ordinal)
                    .map_or_else(|| format!("ord{ordinal}"), str::to_ascii_lowercase),
                (None, None) => continue,
            };
            parts.push(format!("{stem}.{name}"));
        }
    }
    (!parts.is_empty()).then(|| md5_hex(parts.join(",").as_bytes()))
}

/// Well-known names of Winsock imports by ordinal (the ordinals are fixed by the Winsock 1.1 ABI).
fn ordinal_name(library_stem: &str, ordinal: u16) -> Option<&'static str> {
    if !matches!(library_stem, "ws2_32" | "wsock32") {
        return None;
    }
    Some(match ordinal {
        1 => "accept",
        2 => "bind",
        3 => "closesocket",
        4 => "connect",
        5 => "getpeername",
        6 => "getsockname",
        7 => "getsockopt",
        8 => "htonl",
        9 => "htons",
        10 => "ioctlsocket",
        11 => "inet_addr",
        12 => "inet_ntoa",
        13 => "listen",
        14 => "ntohl",
        15 => "ntohs",
        16 => "recv",
        17 => "recvfrom",
        18 => "select",
        19 => "send",
        20 => "sendto",
        21 => "setsockopt",
        22 => "shutdown",
        23 => "socket",
        51 => "gethostbyaddr",
        52 => "gethostbyname",
        53 => "getprotobyname",
        54 => "getprotobynumber",
        55 => "getservbyname",
        56 => "getservbyport",
        57 => "gethostname",
        101 => "WSAAsyncSelect",
        102 => "WSAAsyncGetHostByAddr",
        103 => "WSAAsyncGetHostByName",
        104 => "WSAAsyncGetProtoByNumber",
        105 => "WSAAsyncGetProtoByName",
        106 => "WSAAsyncGetServByPort",
        107 => "WSAAsyncGetServByName",
        108 => "WSACancelAsyncRequest",
        109 => "WSASetBlockingHook",
        110 => "WSAUnhookBlockingHook",
        111 => "WSAGetLastError",
        112 => "WSASetLastError",
        113 => "WSACancelBlockingCall",
        114 => "WSAIsBlocking",
        115 => "WSAStartup",
        116 => "WSACleanup",
        151 => "__WSAFDIsSet",
        500 => "WEP",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library(
        name: &str,
        delayed: bool,
        functions: &[(Option<&str>, Option<u16>)],
    ) -> PeImportLibrary {
        PeImportLibrary {
            library: name.to_owned(),
            delayed,
            functions: functions
                .iter()
                .map(|&(name, ordinal)| PeImportFunction {
                    name: name.map(str::to_owned),
                    ordinal,
                    iat_rva: None,
                })
                .collect(),
        }
    }

    #[test]
    fn imphash_follows_pefile_rules() {
        let libraries = [
            library("KERNEL32.dll", false, &[(Some("Sleep"), None)]),
            library("WS2_32.dll", false, &[(None, Some(115)), (None, Some(999))]),
            library("USER32.dll", true, &[(Some("MessageBoxA"), None)]),
        ];
        let expected = md5_hex(b"kernel32.sleep,ws2_32.wsastartup,ws2_32.ord999");
        assert_eq!(imphash(&libraries), Some(expected));
        assert_eq!(imphash(&[]), None);
    }
}
