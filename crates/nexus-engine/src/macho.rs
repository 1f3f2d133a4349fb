//! Mach-O analysis with goblin: thin and fat files, per-architecture headers, load commands,
//! dylibs, segments and sections with entropy, code signature and entitlements.

use goblin::mach::load_command::{CommandVariant, LoadCommand, cmd_to_str};
use goblin::mach::{Mach, MachO, SingleArch};
use nexus_proto::report::{MachoArch, MachoReport, MachoSection, MachoSegment};

use crate::bytes::{printable_name, slice_at, u32_be};
use crate::config::EngineConfig;
use crate::entropy::shannon;
use crate::error::EngineError;

/// Longest entitlements plist kept.
const MAX_ENTITLEMENTS_BYTES: usize = 64 * 1024;

/// CPU type name.
pub fn cpu_name(cpu_type: u32) -> String {
    let name = match cpu_type {
        7 => "i386",
        0x0100_0007 => "x86_64",
        12 => "arm",
        0x0100_000c => "arm64",
        0x0200_000c => "arm64_32",
        18 => "powerpc",
        0x0100_0012 => "powerpc64",
        other => return format!("unknown({other:#x})"),
    };
    name.to_owned()
}

fn file_type_name(file_type: u32) -> String {
    let name = match file_type {
        1 => "object",
        2 => "execute",
        3 => "fvmlib",
        4 => "core",
        5 => "preload",
        6 => "dylib",
        7 => "dylinker",
        8 => "bundle",
        9 => "dylib_stub",
        10 => "dsym",
        11 => "kext_bundle",
        12 => "fileset",
        other => return format!("unknown({other})"),
    };
    name.to_owned()
}

/// Parses `bytes` as a thin or fat Mach-O.
pub fn analyze(bytes: &[u8], config: &EngineConfig) -> Result<MachoReport, EngineError> {
    let failed = |error: goblin::error::Error| EngineError::ParseFailed {
        format: "macho",
        detail: error.to_string(),
    };
    let malformed = |detail: String| EngineError::ParseFailed {
        format: "macho",
        detail,
    };
    // A thin image is parsed whole by `Mach::parse`; a fat one's slices are checked one by one.
    entry_point_fits(bytes).map_err(malformed)?;
    match Mach::parse(bytes).map_err(failed)? {
        Mach::Binary(binary) => {
            let architecture = describe(&binary, bytes, 0, config);
            Ok(MachoReport {
                is_fat: false,
                architectures: vec![architecture],
            })
        }
        Mach::Fat(fat) => {
            let arches = fat.arches().map_err(failed)?;
            let mut architectures = Vec::new();
            for (index, arch) in arches.iter().enumerate().take(config.max_list_entries) {
                let slice = slice_at(bytes, u64::from(arch.offset), u64::from(arch.size))
                    .unwrap_or_default();
                let parsed = entry_point_fits(slice)
                    .map_err(goblin::error::Error::Malformed)
                    .and_then(|()| fat.get(index));
                let mut entry = match parsed {
                    Ok(SingleArch::MachO(binary)) => {
                        describe(&binary, slice, u64::from(arch.offset), config)
                    }
                    Ok(SingleArch::Archive(_)) => MachoArch {
                        file_type: "archive".to_owned(),
                        ..MachoArch::default()
                    },
                    Err(error) => MachoArch {
                        warnings: vec![format!("slice {index} does not parse: {error}")],
                        ..MachoArch::default()
                    },
                };
                // The fat header is authoritative for where the slice lives and what it claims to be.
                entry.cpu_type = cpu_name(arch.cputype);
                entry.cpu_type_id = arch.cputype;
                entry.cpu_subtype = arch.cpusubtype;
                entry.offset = u64::from(arch.offset);
                entry.size = u64::from(arch.size);
                architectures.push(entry);
            }
            Ok(MachoReport {
                is_fat: true,
                architectures,
            })
        }
    }
}

/// Refuses an image whose entry point goblin would compute with overflowing arithmetic: it
/// maps `LC_MAIN`'s file offset through the first `__TEXT` segment as
/// `vmaddr - fileoff + entryoff` unchecked (goblin 0.10.7, `mach/mod.rs`), which panics in
/// builds with overflow checks (tests, the fuzzer, which found it) and wraps silently in
/// release. Walks the load commands with goblin's own reader; anything it cannot read is left
/// for the full parse to report.
fn entry_point_fits(image: &[u8]) -> Result<(), String> {
    let Ok((_, Some(ctx))) = goblin::mach::parse_magic_and_ctx(image, 0) else {
        return Ok(());
    };
    let read_u32 = |at: usize| {
        image.get(at..at + 4).map(|word| {
            let word = [word[0], word[1], word[2], word[3]];
            if ctx.le.is_little() {
                u32::from_le_bytes(word)
            } else {
                u32::from_be_bytes(word)
            }
        })
    };
    let (Some(commands), Some(commands_size)) = (read_u32(16), read_u32(20)) else {
        return Ok(());
    };
    // goblin's own bound (a command is at least 8 bytes), which also bounds this loop.
    if commands > commands_size / 8 || commands_size as usize > image.len() {
        return Ok(());
    }
    let mut offset = if ctx.container.is_big() { 32 } else { 28 };
    let (mut text, mut entry) = (None, None);
    for _ in 0..commands {
        let Ok(command) = LoadCommand::parse(image, &mut offset, ctx.le) else {
            return Ok(());
        };
        match command.command {
            CommandVariant::Segment64(segment)
                if text.is_none() && segment.segname.starts_with(b"__TEXT\0") =>
            {
                text = Some((segment.vmaddr, segment.fileoff));
            }
            CommandVariant::Segment32(segment)
                if text.is_none() && segment.segname.starts_with(b"__TEXT\0") =>
            {
                text = Some((u64::from(segment.vmaddr), u64::from(segment.fileoff)));
            }
            CommandVariant::Main(main) if entry.is_none() => entry = Some(main.entryoff),
            _ => {}
        }
    }
    match (text, entry) {
        (Some((vmaddr, fileoff)), Some(entryoff)) => vmaddr
            .checked_sub(fileoff)
            .and_then(|base| base.checked_add(entryoff))
            .map(|_| ())
            .ok_or_else(|| {
                format!(
                    "LC_MAIN entry offset {entryoff:#x} does not map into __TEXT (vmaddr {vmaddr:#x}, file offset {fileoff:#x})"
                )
            }),
        _ => Ok(()),
    }
}

/// Describes one Mach-O image whose bytes are `slice` (the whole file when thin).
fn describe(
    binary: &MachO<'_>,
    slice: &[u8],
    slice_offset: u64,
    config: &EngineConfig,
) -> MachoArch {
    let limit = config.max_list_entries;
    let mut warnings = Vec::new();
    let mut code_signature = false;
    let mut entitlements = None;
    let mut main_entry = None;
    for command in &binary.load_commands {
        match &command.command {
            CommandVariant::CodeSignature(signature) => {
                code_signature = true;
                entitlements = slice_at(
                    slice,
                    u64::from(signature.dataoff),
                    u64::from(signature.datasize),
                )
                .and_then(find_entitlements);
            }
            CommandVariant::Main(main) => main_entry = Some(main.entryoff),
            _ => {}
        }
    }
    let segments: Vec<MachoSegment> = binary
        .segments
        .iter()
        .take(limit)
        .map(|segment| {
            let sections = match segment.sections() {
                Ok(sections) => sections
                    .into_iter()
                    .take(limit)
                    .map(|(section, _)| MachoSection {
                        name: printable_name(&section.sectname),
                        segment: printable_name(&section.segname),
                        address: section.addr,
                        size: section.size,
                        offset: u64::from(section.offset),
                        entropy: if section.offset == 0 {
                            0.0
                        } else {
                            shannon(
                                slice_at(slice, u64::from(section.offset), section.size)
                                    .unwrap_or_default(),
                            )
                        },
                    })
                    .collect(),
                Err(error) => {
                    warnings.push(format!(
                        "sections of segment {} do not parse: {error}",
                        printable_name(&segment.segname)
                    ));
                    Vec::new()
                }
            };
            MachoSegment {
                name: printable_name(&segment.segname),
                vm_address: segment.vmaddr,
                vm_size: segment.vmsize,
                file_offset: segment.fileoff,
                file_size: segment.filesize,
                entropy: shannon(
                    slice_at(slice, segment.fileoff, segment.filesize).unwrap_or_default(),
                ),
                sections,
            }
        })
        .collect();
    // LC_MAIN gives a file offset; LC_UNIXTHREAD gives a VM address, mapped through the segments.
    let entry_point = main_entry.or_else(|| {
        (binary.entry != 0).then(|| {
            binary.segments.iter().find_map(|segment| {
                let delta = binary.entry.checked_sub(segment.vmaddr)?;
                (delta < segment.vmsize)
                    .then(|| segment.fileoff.checked_add(delta))
                    .flatten()
            })
        })?
    });
    MachoArch {
        cpu_type: cpu_name(binary.header.cputype),
        cpu_type_id: binary.header.cputype,
        cpu_subtype: binary.header.cpusubtype,
        offset: slice_offset,
        size: slice.len() as u64,
        is_64: binary.is_64,
        file_type: file_type_name(binary.header.filetype),
        flags: binary.header.flags,
        entry_point,
        load_commands: binary
            .load_commands
            .iter()
            .take(limit)
            .map(|command| cmd_to_str(command.command.cmd()).to_owned())
            .collect(),
        dylibs: binary
            .libs
            .iter()
            .filter(|library| **library != "self")
            .take(limit)
            .map(|library| (*library).to_owned())
            .collect(),
        segments,
        code_signature,
        entitlements,
        warnings,
    }
}

/// Finds the entitlements blob (magic 0xfade7171) in a code-signature SuperBlob (big-endian).
fn find_entitlements(signature: &[u8]) -> Option<String> {
    if u32_be(signature, 0)? != 0xfade_0cc0 {
        return None;
    }
    let count = u32_be(signature, 8)?.min(64) as usize;
    (0..count).find_map(|index| {
        let blob_offset = u32_be(signature, 12 + index * 8 + 4)? as usize;
        if u32_be(signature, blob_offset)? != 0xfade_7171 {
            return None;
        }
        let length = u32_be(signature, blob_offset + 4)? as usize;
        let body = signature.get(blob_offset + 8..blob_offset.checked_add(length)?)?;
        let body = &body[..body.len().min(MAX_ENTITLEMENTS_BYTES)];
        Some(String::from_utf8_lossy(body).into_owned())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A thin 64-bit Mach-O with a `__TEXT` segment at `vmaddr`/`fileoff` and `LC_MAIN`.
    fn image(vmaddr: u64, fileoff: u64, entryoff: u64) -> Vec<u8> {
        let mut commands = Vec::new();
        commands.extend_from_slice(&0x19_u32.to_le_bytes()); // LC_SEGMENT_64
        commands.extend_from_slice(&72_u32.to_le_bytes());
        commands.extend_from_slice(b"__TEXT\0\0\0\0\0\0\0\0\0\0");
        for value in [vmaddr, 0x1000, fileoff, 0] {
            commands.extend_from_slice(&value.to_le_bytes());
        }
        for value in [7_u32, 5, 0, 0] {
            commands.extend_from_slice(&value.to_le_bytes());
        }
        commands.extend_from_slice(&0x8000_0028_u32.to_le_bytes()); // LC_MAIN
        commands.extend_from_slice(&24_u32.to_le_bytes());
        commands.extend_from_slice(&entryoff.to_le_bytes());
        commands.extend_from_slice(&0_u64.to_le_bytes());
        let mut bytes = Vec::new();
        for value in [0xfeed_facf_u32, 0x0100_0007, 3, 2, 2] {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes.extend_from_slice(&u32::try_from(commands.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(&[0; 8]);
        bytes.extend_from_slice(&commands);
        bytes.extend_from_slice(&[0; 16]);
        bytes
    }

    #[test]
    fn an_entry_point_that_overflows_is_a_parse_error_not_a_panic() {
        let config = EngineConfig::default();
        let sound = analyze(&image(0x1_0000_0000, 0, 0x40), &config).unwrap();
        assert_eq!(sound.architectures[0].entry_point, Some(0x40), "{sound:?}");
        for (vmaddr, fileoff, entryoff) in [(0, 1, 0), (u64::MAX, 0, 1)] {
            let error = analyze(&image(vmaddr, fileoff, entryoff), &config).unwrap_err();
            assert!(
                error.to_string().contains("does not map into __TEXT"),
                "{error}"
            );
        }
    }
}
