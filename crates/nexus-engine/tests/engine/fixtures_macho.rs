//! Facts about the shared Mach-O fixtures (thin and universal). "A<n>" are facts YARA's own test
//! suite asserts; the others are the README's observed values.

use crate::common::{analyze_clean, fixture};

#[test]
fn thin_macho_has_one_segment_and_its_entry_point() {
    let report = analyze_clean("tiny-macho");
    assert!(report.pe.is_none(), "A1");
    let macho = report.macho.as_ref().expect("Mach-O report");
    assert!(!macho.is_fat);
    let arch = &macho.architectures[0];
    assert_eq!(arch.segments.len(), 1, "A2");
    assert_eq!(
        (
            arch.cpu_type_id,
            arch.cpu_subtype,
            arch.file_type.as_str(),
            arch.flags
        ),
        (7, 3, "execute", 0x0120_0000)
    );
    assert_eq!(arch.load_commands.len(), 2);
    assert_eq!(arch.entry_point, Some(116));
    let segment = &arch.segments[0];
    assert_eq!(
        (
            segment.vm_address,
            segment.vm_size,
            segment.file_offset,
            segment.file_size,
            segment.sections.len()
        ),
        (0x1000, 0x1000, 0, 164, 0)
    );
}

#[test]
fn fat_macho_slices_match_yara_assertions() {
    let bytes = fixture("tiny-universal");
    let report = analyze_clean("tiny-universal");
    let macho = report.macho.as_ref().expect("Mach-O report");
    assert!(macho.is_fat, "A1");
    assert_eq!(macho.architectures.len(), 2, "A2");
    let (i386, x86_64) = (&macho.architectures[0], &macho.architectures[1]);
    assert_eq!(
        (i386.cpu_type_id, i386.cpu_subtype, i386.offset, i386.size),
        (7, 3, 4096, 8512),
        "A3-A5"
    );
    assert_eq!(
        (
            x86_64.cpu_type_id,
            x86_64.cpu_subtype,
            x86_64.offset,
            x86_64.size
        ),
        (0x0100_0007, 0x8000_0003, 16384, 8544),
        "A6/A7"
    );
    assert_eq!(
        (i386.cpu_type.as_str(), x86_64.cpu_type.as_str()),
        ("i386", "x86_64")
    );
    assert_eq!(&bytes[4096..4100], [0xce, 0xfa, 0xed, 0xfe], "A10");
    assert_eq!(&bytes[16384..16388], [0xcf, 0xfa, 0xed, 0xfe], "A11");
    for (arch, prologue) in [
        (i386, &[0x55, 0x89, 0xe5, 0x56, 0x83, 0xec, 0x34][..]),
        (
            x86_64,
            &[0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x20][..],
        ),
    ] {
        let entry = arch.entry_point.expect("entry point");
        assert_eq!(entry, 0xee0);
        let absolute = usize::try_from(arch.offset + entry).unwrap();
        assert_eq!(
            &bytes[absolute..absolute + prologue.len()],
            prologue,
            "A12/A13/A18/A19"
        );
    }
    for (arch, flags, text_sections) in [(i386, 0x0120_0085, 5), (x86_64, 0x0020_0085, 6)] {
        assert_eq!(arch.file_type, "execute");
        assert_eq!(arch.flags, flags);
        assert_eq!(arch.load_commands.len(), 16);
        let segments: Vec<(&str, usize)> = arch
            .segments
            .iter()
            .map(|segment| (segment.name.as_str(), segment.sections.len()))
            .collect();
        assert_eq!(
            segments,
            [
                ("__PAGEZERO", 0),
                ("__TEXT", text_sections),
                ("__DATA", 2),
                ("__LINKEDIT", 0)
            ]
        );
        assert!(arch.dylibs.iter().any(|dylib| dylib.contains("libSystem")));
    }
}
