//! The Rich header: the XOR-masked toolchain record MSVC's linker leaves between the DOS stub and
//! the PE header.

use nexus_proto::report::{PeRichEntry, PeRichHeader};

use crate::bytes::u32_le;
use crate::hashes::md5_hex;

/// `DanS` as a little-endian dword.
const DANS: u32 = 0x536e_6144;
/// `Rich` as a little-endian dword.
const RICH: u32 = 0x6863_6952;

/// Decodes the Rich header found before `pe_offset`, if any. Tolerates headers shorter than the
/// usual 16-byte `DanS` preamble (no entries then) instead of computing a wrapped entry count.
pub(crate) fn parse(bytes: &[u8], pe_offset: usize) -> Option<PeRichHeader> {
    let end = pe_offset.min(bytes.len());
    let rich_offset = (0x40..end.saturating_sub(7))
        .step_by(4)
        .find(|&offset| u32_le(bytes, offset) == Some(RICH))?;
    let key = u32_le(bytes, rich_offset + 4)?;
    let dans_offset = (0x40..rich_offset)
        .step_by(4)
        .rev()
        .find(|&offset| u32_le(bytes, offset).map(|value| value ^ key) == Some(DANS))?;

    let clear: Vec<u8> = bytes[dans_offset..rich_offset]
        .chunks_exact(4)
        .flat_map(|dword| {
            (u32::from_le_bytes([dword[0], dword[1], dword[2], dword[3]]) ^ key).to_le_bytes()
        })
        .collect();
    let entries = clear
        .get(16..)
        .unwrap_or_default()
        .chunks_exact(8)
        .map(|pair| {
            let comp_id = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
            PeRichEntry {
                tool_id: (comp_id >> 16) as u16,
                version: (comp_id & 0xffff) as u16,
                count: u32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]),
            }
        })
        .collect();
    Some(PeRichHeader {
        offset: dans_offset as u64,
        length: (rich_offset - dans_offset) as u64,
        key,
        entries,
        hash: md5_hex(&clear),
    })
}
