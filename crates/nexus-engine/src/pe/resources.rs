//! The resource tree (type → name/id → language → data) and the version-info string table.
//!
//! The walk is bounded three ways: depth 3 (what the loader uses), a cap on leaves and a cap on
//! directory entries visited, so a hostile tree with loops or huge fan-out stays cheap.

use std::collections::BTreeMap;

use nexus_proto::report::PeResource;

use super::layout::{Layout, directory};
use crate::bytes::{slice_at, u16_le, u32_le};
use crate::hashes::sha256_hex;

/// Cap on directory entries visited across the whole tree.
const MAX_ENTRIES_VISITED: usize = 100_000;
/// Longest resource name kept, in UTF-16 units.
const MAX_NAME_UNITS: usize = 256;
/// Cap on resource leaves reported, whatever `max_list_entries` says.
const MAX_LEAVES: usize = 4_096;
/// RT_VERSION.
const RT_VERSION: u32 = 16;

/// Resources plus the raw bytes of the first RT_VERSION leaf.
pub(crate) struct ResourceTree<'a> {
    /// Leaves in tree order.
    pub resources: Vec<PeResource>,
    /// Data of the first RT_VERSION resource, for [`version_info`].
    pub version_data: Option<&'a [u8]>,
}

/// Standard resource type names.
fn type_name(id: u32) -> String {
    let name = match id {
        1 => "RT_CURSOR",
        2 => "RT_BITMAP",
        3 => "RT_ICON",
        4 => "RT_MENU",
        5 => "RT_DIALOG",
        6 => "RT_STRING",
        7 => "RT_FONTDIR",
        8 => "RT_FONT",
        9 => "RT_ACCELERATOR",
        10 => "RT_RCDATA",
        11 => "RT_MESSAGETABLE",
        12 => "RT_GROUP_CURSOR",
        14 => "RT_GROUP_ICON",
        16 => "RT_VERSION",
        17 => "RT_DLGINCLUDE",
        19 => "RT_PLUGPLAY",
        20 => "RT_VXD",
        21 => "RT_ANICURSOR",
        22 => "RT_ANIICON",
        23 => "RT_HTML",
        24 => "RT_MANIFEST",
        other => return other.to_string(),
    };
    name.to_owned()
}

/// One directory entry's name or id.
enum Key {
    Id(u32),
    Name(String),
}

struct Walker<'a> {
    bytes: &'a [u8],
    layout: &'a Layout,
    root: usize,
    limit: usize,
    visited: usize,
    tree: ResourceTree<'a>,
}

/// Walks the resource directory.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    layout: &'a Layout,
    limit: usize,
    warnings: &mut Vec<String>,
) -> ResourceTree<'a> {
    let empty = ResourceTree {
        resources: Vec::new(),
        version_data: None,
    };
    let Some((rva, _)) = layout.directory(directory::RESOURCE) else {
        return empty;
    };
    let Some(root) = layout
        .rva_to_offset(rva, bytes.len())
        .and_then(|offset| usize::try_from(offset).ok())
    else {
        warnings.push(format!(
            "resource directory RVA {rva:#x} is outside the file"
        ));
        return empty;
    };
    let limit = limit.min(MAX_LEAVES);
    let mut walker = Walker {
        bytes,
        layout,
        root,
        limit,
        visited: 0,
        tree: empty,
    };
    walker.directory(root, &mut Vec::new());
    if walker.visited >= MAX_ENTRIES_VISITED || walker.tree.resources.len() >= limit {
        warnings.push(
            "resource tree is larger than the configured limits; the rest is omitted".to_owned(),
        );
    }
    walker.tree
}

impl<'a> Walker<'a> {
    fn directory(&mut self, offset: usize, path: &mut Vec<Key>) {
        let (Some(named), Some(ids)) = (
            u16_le(self.bytes, offset + 12),
            u16_le(self.bytes, offset + 14),
        ) else {
            return;
        };
        let count = usize::from(named) + usize::from(ids);
        for index in 0..count {
            if self.visited >= MAX_ENTRIES_VISITED || self.tree.resources.len() >= self.limit {
                return;
            }
            self.visited += 1;
            let entry = offset + 16 + index * 8;
            let (Some(name_field), Some(data_field)) =
                (u32_le(self.bytes, entry), u32_le(self.bytes, entry + 4))
            else {
                return;
            };
            let key = if name_field & 0x8000_0000 != 0 {
                Key::Name(
                    self.name_at(self.root + (name_field & 0x7fff_ffff) as usize)
                        .unwrap_or_default(),
                )
            } else {
                Key::Id(name_field)
            };
            let target = self.root + (data_field & 0x7fff_ffff) as usize;
            path.push(key);
            if data_field & 0x8000_0000 != 0 {
                // Only three levels exist; deeper subdirectories are malformed and skipped.
                if path.len() < 3 {
                    self.directory(target, path);
                }
            } else if path.len() == 3 {
                self.leaf(target, path);
            }
            path.pop();
        }
    }

    fn leaf(&mut self, offset: usize, path: &[Key]) {
        let (Some(data_rva), Some(size)) =
            (u32_le(self.bytes, offset), u32_le(self.bytes, offset + 4))
        else {
            return;
        };
        let (resource_type, type_id) = match &path[0] {
            Key::Id(id) => (type_name(*id), Some(*id)),
            Key::Name(name) => (name.clone(), None),
        };
        let (id, name) = match &path[1] {
            Key::Id(id) => (Some(*id), None),
            Key::Name(name) => (None, Some(name.clone())),
        };
        let language = match &path[2] {
            Key::Id(id) => *id,
            Key::Name(_) => 0,
        };
        let file_offset = self.layout.rva_to_offset(data_rva, self.bytes.len());
        let data = file_offset.and_then(|start| slice_at(self.bytes, start, u64::from(size)));
        if type_id == Some(RT_VERSION) && self.tree.version_data.is_none() {
            self.tree.version_data = data;
        }
        self.tree.resources.push(PeResource {
            resource_type,
            id,
            name,
            language,
            rva: data_rva,
            offset: file_offset,
            size,
            sha256: data.map(sha256_hex),
        });
    }

    /// A counted UTF-16LE name (IMAGE_RESOURCE_DIR_STRING_U).
    fn name_at(&self, offset: usize) -> Option<String> {
        // Names are bounded: one leaf per (type, name, language) repeats the name, so a hostile
        // 64 Ki-unit name times thousands of leaves would otherwise cost gigabytes (fuzz finding).
        let length = usize::from(u16_le(self.bytes, offset)?).min(MAX_NAME_UNITS);
        let units: Vec<u16> = (0..length)
            .map_while(|index| u16_le(self.bytes, offset + 2 + index * 2))
            .collect();
        Some(String::from_utf16_lossy(&units))
    }
}

/// Parses a VS_VERSIONINFO block into its StringFileInfo key/value pairs (first table wins).
pub(crate) fn version_info(data: &[u8]) -> BTreeMap<String, String> {
    let mut strings = BTreeMap::new();
    collect_strings(data, 0, &mut strings);
    strings
}

/// One version-info block: `(length, value length, type, key, value start, children start)`.
struct Block {
    length: usize,
    value_length: usize,
    is_text: bool,
    key: String,
    value_start: usize,
    children_start: usize,
}

fn block(data: &[u8], offset: usize) -> Option<Block> {
    let length = usize::from(u16_le(data, offset)?);
    if length < 6 || offset.checked_add(length)? > data.len() {
        return None;
    }
    let value_length = usize::from(u16_le(data, offset + 2)?);
    let is_text = u16_le(data, offset + 4)? == 1;
    let mut cursor = offset + 6;
    let mut units = Vec::new();
    while cursor + 2 <= offset + length {
        let unit = u16_le(data, cursor)?;
        cursor += 2;
        if unit == 0 {
            break;
        }
        units.push(unit);
    }
    let value_start = align4(cursor);
    let value_bytes = if is_text {
        value_length * 2
    } else {
        value_length
    };
    let children_start = align4(value_start + value_bytes);
    Some(Block {
        length,
        value_length,
        is_text,
        key: String::from_utf16_lossy(&units),
        value_start,
        children_start,
    })
}

fn align4(offset: usize) -> usize {
    (offset + 3) & !3
}

/// Walks blocks recursively (depth is bounded by block nesting inside `data`: every child is
/// strictly smaller than its parent).
fn collect_strings(data: &[u8], offset: usize, strings: &mut BTreeMap<String, String>) {
    let Some(root) = block(data, offset) else {
        return;
    };
    let end = offset + root.length;
    let mut child = root.children_start;
    while child < end {
        let Some(node) = block(data, child) else {
            return;
        };
        if node.key == "StringFileInfo" {
            let mut table = node.children_start;
            let table_end = child + node.length;
            while table < table_end {
                let Some(table_block) = block(data, table) else {
                    break;
                };
                let mut entry = table_block.children_start;
                let entries_end = table + table_block.length;
                while entry < entries_end {
                    let Some(string) = block(data, entry) else {
                        break;
                    };
                    if string.is_text && string.value_length > 0 {
                        let units: Vec<u16> = (0..string.value_length)
                            .map_while(|index| u16_le(data, string.value_start + index * 2))
                            .take_while(|&unit| unit != 0)
                            .collect();
                        strings
                            .entry(string.key.clone())
                            .or_insert_with(|| String::from_utf16_lossy(&units));
                    } else {
                        strings.entry(string.key.clone()).or_default();
                    }
                    entry = align4(entry + string.length);
                }
                table = align4(table + table_block.length);
            }
        }
        child = align4(child + node.length);
    }
}
