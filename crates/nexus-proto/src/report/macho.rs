//! The Mach-O part of the report (thin and fat).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything parsed from a Mach-O file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachoReport {
    /// `true` for a universal (fat) binary.
    pub is_fat: bool,
    /// One entry per architecture: one for thin files, one per slice for fat files.
    pub architectures: Vec<MachoArch>,
}

/// One architecture (the whole file when thin, a slice when fat).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachoArch {
    /// CPU type name (`i386`, `x86_64`, `arm64`, ...) or `unknown(N)`.
    pub cpu_type: String,
    /// Raw cputype.
    pub cpu_type_id: u32,
    /// Raw cpusubtype.
    pub cpu_subtype: u32,
    /// Slice offset in the file (0 for a thin file).
    pub offset: u64,
    /// Slice size (the file size for a thin file).
    pub size: u64,
    /// `true` for a 64-bit header.
    pub is_64: bool,
    /// File type (`execute`, `dylib`, `bundle`, `object`, ...).
    pub file_type: String,
    /// Header flags.
    pub flags: u32,
    /// Entry point file offset relative to the slice (LC_MAIN entryoff), when known.
    #[serde(default)]
    pub entry_point: Option<u64>,
    /// Load command names in order (`LC_SEGMENT_64`, `LC_MAIN`, ...).
    pub load_commands: Vec<String>,
    /// Linked dylibs in order.
    pub dylibs: Vec<String>,
    /// Segments with their sections.
    pub segments: Vec<MachoSegment>,
    /// `true` when an LC_CODE_SIGNATURE command is present.
    pub code_signature: bool,
    /// Entitlements plist from the code signature, when present (bounded).
    #[serde(default)]
    pub entitlements: Option<String>,
    /// Problems met while parsing that did not stop it.
    pub warnings: Vec<String>,
}

/// One segment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachoSegment {
    /// Segment name; non-printable bytes are escaped as `\xNN`.
    pub name: String,
    /// vmaddr.
    pub vm_address: u64,
    /// vmsize.
    pub vm_size: u64,
    /// fileoff (relative to the slice).
    pub file_offset: u64,
    /// filesize.
    pub file_size: u64,
    /// Entropy of the segment's bytes in the file.
    pub entropy: f64,
    /// Sections of the segment.
    pub sections: Vec<MachoSection>,
}

/// One section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MachoSection {
    /// Section name.
    pub name: String,
    /// Owning segment name as stored in the section.
    pub segment: String,
    /// addr.
    pub address: u64,
    /// size.
    pub size: u64,
    /// offset (relative to the slice).
    pub offset: u64,
    /// Entropy of the section's bytes in the file.
    pub entropy: f64,
}
