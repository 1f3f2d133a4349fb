//! Facts about the shared PE fixtures (tiny, tiny-overlay, pe_imports, pe_mingw, mtxex.dll).
//! "A<n>" are facts YARA's own test suite asserts; the others are the README's observed values
//! (cross-checked there with yara 4.2.3, pefile, readelf, openssl).

use nexus_proto::report::PeImportLibrary;

use crate::common::{analyze_clean, has_indicator, iat, import_counts, library, pe_of};

/// (name, ordinal, rva, forwarder, offset)
type ExportRow<'a> = (Option<&'a str>, u32, u32, Option<&'a str>, Option<u64>);

#[test]
fn tiny_matches_yara_assertions() {
    let report = analyze_clean("tiny");
    let pe = pe_of(&report);
    assert!(!pe.is_dotnet, "A2");
    assert!(!pe.is_64, "A3");
    let names: Vec<&str> = pe
        .sections
        .iter()
        .map(|section| section.name.as_str())
        .collect();
    assert_eq!(
        names,
        [".text", ".data", ".rdata", ".bss", ".idata", ".CRT", ".tls"],
        "A4/A5"
    );
    assert!(
        pe.sections
            .iter()
            .all(|section| section.name == section.short_name),
        "A7"
    );
    assert_eq!(pe.entry_point_offset, Some(0x14e0), "A9 (file offset)");
    assert_eq!(pe.entry_point, 0x14e0, "A9 (raw RVA)");
    assert_eq!(pe.entry_point_section.as_deref(), Some(".text"), "A10");
    assert_eq!(pe.linker_version, "2.26", "A11");
    let standard: Vec<&PeImportLibrary> = pe
        .imports
        .iter()
        .filter(|library| !library.delayed)
        .collect();
    assert_eq!(standard.len(), 2, "A12");
    assert_eq!(
        standard
            .iter()
            .map(|library| library.functions.len())
            .sum::<usize>(),
        48,
        "A13"
    );
    assert_eq!(
        (standard[0].library.as_str(), standard[0].functions.len()),
        ("KERNEL32.dll", 21),
        "A14"
    );
    assert_eq!(
        standard[0].functions[20].name.as_deref(),
        Some("VirtualQuery"),
        "A14"
    );
    assert_eq!(
        (standard[1].library.as_str(), standard[1].functions.len()),
        ("msvcrt.dll", 27),
        "A15"
    );
    assert_eq!(
        standard[1].functions[26].name.as_deref(),
        Some("vfprintf"),
        "A15"
    );
    assert!(iat(standard[0], "DeleteCriticalSection").is_some(), "A16");
    let critical = pe
        .imports
        .iter()
        .flat_map(|library| &library.functions)
        .filter(|function| {
            function
                .name
                .as_deref()
                .is_some_and(|name| name.ends_with("CriticalSection"))
        })
        .count();
    assert_eq!(critical, 4, "A17");
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("1720bf764274b7a4052bbef0a71adc0d"),
        "A19"
    );
    assert_eq!(pe.checksum.stated, 0xa8dc, "A20");
    assert_eq!(pe.checksum.computed, 0xa8dc, "A21");
    assert!(!pe.checksum.mismatch);
    assert_eq!(pe.overlay, None, "A22");
    // Observed: section RVAs and raw offsets, timestamp, image base.
    let layout: Vec<(u32, u32)> = pe
        .sections
        .iter()
        .map(|section| (section.virtual_address, section.raw_offset))
        .collect();
    assert_eq!(
        layout,
        [
            (0x1000, 0x1000),
            (0x3000, 0x3000),
            (0x4000, 0x4000),
            (0x5000, 0),
            (0x6000, 0x5000),
            (0x7000, 0x6000),
            (0x8000, 0x7000)
        ]
    );
    assert_eq!(pe.timestamp, 1_459_377_848);
    assert_eq!(pe.compile_time.as_deref(), Some("2016-03-30T22:44:08Z"));
    assert_eq!(pe.image_base, 0x400000);
    assert_eq!(pe.machine, "i386");
    assert_eq!(pe.subsystem, "windows_cui");
}

#[test]
fn tiny_overlay_reports_its_overlay() {
    let report = analyze_clean("tiny-overlay");
    let pe = pe_of(&report);
    let overlay = pe.overlay.as_ref().expect("overlay");
    assert_eq!((overlay.offset, overlay.size), (0x8000, 7), "A1/A2");
    assert_eq!(
        overlay.sha256,
        nexus_sha256(b"overlay"),
        "the 7 overlay bytes are the text `overlay`"
    );
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("1720bf764274b7a4052bbef0a71adc0d")
    );
    // pefile recomputes 0xF39D because the overlay is included; the stated value is still 0xA8DC.
    assert_eq!((pe.checksum.stated, pe.checksum.computed), (0xa8dc, 0xf39d));
    assert!(pe.checksum.mismatch);
    assert!(has_indicator(&report, "overlay"));
    assert!(has_indicator(&report, "checksum_mismatch"));
}

fn nexus_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    nexus_core::hex::encode(&Sha256::digest(bytes))
}

#[test]
fn pe_imports_reports_delay_imports_with_iat_slots() {
    let report = analyze_clean("pe_imports");
    let pe = pe_of(&report);
    let user32 = library(pe, "USER32.dll", true);
    let delayed: Vec<&str> = user32
        .functions
        .iter()
        .filter_map(|function| function.name.as_deref())
        .collect();
    assert_eq!(delayed, ["MessageBeep", "MessageBoxA"], "A1/A3/A4/A7/A13");
    assert_eq!(
        pe.imports.iter().filter(|library| library.delayed).count(),
        1,
        "A6"
    );
    let kernel32 = library(pe, "KERNEL32.dll", false);
    assert!(iat(kernel32, "DeleteCriticalSection").is_some(), "A2/A8");
    assert!(
        pe.imports
            .iter()
            .filter(|library| library.delayed)
            .flat_map(|library| &library.functions)
            .all(|function| !function
                .name
                .as_deref()
                .unwrap_or_default()
                .ends_with("CriticalSection")),
        "A5"
    );
    assert_eq!(iat(kernel32, "CloseHandle"), Some(0xd10c), "A10");
    assert_eq!(iat(user32, "MessageBoxA"), Some(0x13884), "A11");
    assert_eq!(iat(user32, "MessageBeep"), Some(0x13880), "A12");
    assert_eq!(
        iat(kernel32, "DeleteCriticalSection"),
        Some(0xd068),
        "observed with pefile"
    );
    assert_eq!(kernel32.functions.len(), 69);
    assert_eq!(
        pe.imports.iter().filter(|library| !library.delayed).count(),
        1
    );
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("5b9c81e3871882b105e1c68b1802aed3"),
        "standard imports only"
    );
    assert_eq!(
        (pe.entry_point, pe.entry_point_offset),
        (0x17a0, Some(0xba0))
    );
    assert_eq!(pe.checksum.stated, 0);
    assert_eq!(pe.sections.len(), 4);
}

#[test]
fn pe_mingw_resolves_long_section_names_and_symbol_table_overlay() {
    let report = analyze_clean("pe_mingw");
    let pe = pe_of(&report);
    let expected = [
        (".text", ".text"),
        (".data", ".data"),
        (".rdata", ".rdata"),
        (".pdata", ".pdata"),
        (".xdata", ".xdata"),
        (".bss", ".bss"),
        (".idata", ".idata"),
        (".CRT", ".CRT"),
        (".tls", ".tls"),
        ("/4", ".debug_aranges"),
        ("/19", ".debug_info"),
        ("/31", ".debug_abbrev"),
        ("/45", ".debug_line"),
        ("/57", ".debug_frame"),
        ("/70", ".debug_str"),
        ("/81", ".debug_loc"),
        ("/92", ".debug_ranges"),
    ];
    let names: Vec<(&str, &str)> = pe
        .sections
        .iter()
        .map(|section| (section.short_name.as_str(), section.name.as_str()))
        .collect();
    assert_eq!(names, expected, "A1 and the observed table");
    let overlay = pe.overlay.as_ref().expect("overlay");
    assert_eq!((overlay.offset, overlay.size), (283_648, 33_205));
    assert_eq!(
        import_counts(pe),
        [("KERNEL32.dll", 23), ("msvcrt.dll", 26)]
    );
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("e1ea254043d5dd621cfc5a247a2b6d7d")
    );
    assert_eq!(
        (pe.entry_point, pe.entry_point_offset),
        (0x14f0, Some(0xaf0))
    );
    assert_eq!(
        (pe.checksum.stated, pe.checksum.computed),
        (0x59043, 0x59043)
    );
    assert_eq!(pe.timestamp, 1_631_654_131);
    assert!(pe.is_64);
    assert_eq!(pe.machine, "amd64");
}

#[test]
fn mtxex_exports_forwarders_resources_and_entry_offset() {
    let report = analyze_clean("mtxex.dll");
    let pe = pe_of(&report);
    assert_eq!(pe.entry_point, 0x1380, "A1");
    assert_eq!(
        pe.entry_point_offset,
        Some(0x780),
        "observed: RVA and file offset differ here"
    );
    assert_eq!(pe.exports.len(), 4, "A2");
    assert_eq!(pe.export_dll_name.as_deref(), Some("mtxex.dll"), "A3");
    assert_eq!(pe.timestamp, 1_827_812_126, "A4");
    let export = &pe.exports[0];
    assert_eq!(
        (
            export.name.as_deref(),
            export.ordinal,
            export.rva,
            export.offset
        ),
        (Some("DllGetClassObject"), 1, 0x1030, Some(0x430)),
        "A5-A8"
    );
    assert_eq!(export.forwarder, None);
    let rest: Vec<ExportRow<'_>> = pe.exports[1..]
        .iter()
        .map(|export| {
            (
                export.name.as_deref(),
                export.ordinal,
                export.rva,
                export.forwarder.as_deref(),
                export.offset,
            )
        })
        .collect();
    assert_eq!(
        rest,
        [
            (
                Some("GetObjectContext"),
                2,
                0x267d,
                Some("COMSVCS.GetObjectContext"),
                None
            ),
            (
                Some("MTSCreateActivity"),
                3,
                0x26a8,
                Some("COMSVCS.MTSCreateActivity"),
                None
            ),
            (Some("SafeRef"), 4, 0x26ca, Some("COMSVCS.SafeRef"), None),
        ],
        "A9-A12, A16, A17"
    );
    assert_eq!(pe.resources.len(), 1);
    let resource = &pe.resources[0];
    assert_eq!(
        (
            resource.resource_type.as_str(),
            resource.id,
            resource.language,
            resource.size,
            resource.rva,
            resource.offset
        ),
        ("RT_VERSION", Some(1), 1033, 888, 0x5060, Some(0x2060)),
        "A19/A20 and the sibling's facts"
    );
    assert_eq!(
        resource.language & 0x3ff,
        0x09,
        "A19: primary language English"
    );
    let kernel32 = library(pe, "KERNEL32.dll", false);
    assert_eq!(iat(kernel32, "LoadLibraryExW"), Some(0x2118));
    assert_eq!(iat(kernel32, "GetCurrentProcessId"), Some(0x21a0));
    assert_eq!(import_counts(pe), [("msvcrt.dll", 6), ("KERNEL32.dll", 18)]);
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("1973fba377678970875044cf93a97312")
    );
    assert_eq!(
        pe.pdb.as_ref().map(|pdb| pdb.path.as_str()),
        Some("mtxex.pdb")
    );
    assert_eq!((pe.checksum.stated, pe.checksum.computed), (0xdf0e, 0xdf0e));
    assert_eq!(pe.image_base, 0x1_8000_0000);
    assert!(pe.is_dll);
    assert_eq!(pe.sections.len(), 6);
    assert!(has_indicator(&report, "future_timestamp"), "2027 timestamp");
}
