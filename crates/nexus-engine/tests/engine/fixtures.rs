//! Facts about the shared fixtures. "A<n>" are facts YARA's own test suite asserts; the others are
//! the README's observed values (cross-checked there with yara 4.2.3, pefile, readelf, openssl).

use nexus_engine::AnalysisReport;
use nexus_proto::report::{FileType, PeImportLibrary, PeReport, VerdictHint};

use crate::common::analyze_clean;

/// Expected whole-file values from the fixtures README.
struct Expected {
    name: &'static str,
    size: u64,
    md5: &'static str,
    sha1: &'static str,
    sha256: &'static str,
    ssdeep: &'static str,
    tlsh: &'static str,
    entropy: f64,
    file_type: FileType,
}

const EXPECTED: &[Expected] = &[
    Expected {
        name: "tiny",
        size: 32768,
        md5: "665482ae10d09d5fd283557b7979acd0",
        sha1: "1bead2a9d58eff40683351cc6d14008a7da974a3",
        sha256: "c704cca0fe4c9bdee18a302952540073b860e3b4d42e081f86d27bdb1cf6ede4",
        ssdeep: "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasa:anpoN72f/BJP22SXXL0on1a",
        tlsh: "62E2F712A603BDB6F81298F054FB4FBA5B37F9611C2188BECF60F9950D11270751AF65",
        entropy: 2.314083,
        file_type: FileType::Pe,
    },
    Expected {
        name: "tiny-overlay",
        size: 32775,
        md5: "d3b9c21e2ce5248a4f6f28680fdb57ed",
        sha1: "0cb4ea8fe9c1d325987ce6f0e4e917024c89ca1f",
        sha256: "99df28014fae5f213c8decfde423b0eb69005158f981bc84560e9a5dde103d90",
        ssdeep: "192:+Hnpo9dclU7/ox88ZJ/BJtvOD3q22SXXL0oF1Hfasaf:anpoN72f/BJP22SXXL0on1af",
        tlsh: "4FE2F712A603BDB6F81298F058FB4FBA5B37F9611C2188BECF60F9950D11270751AF65",
        entropy: 2.315550,
        file_type: FileType::Pe,
    },
    Expected {
        name: "tiny-macho",
        size: 4096,
        md5: "4fc512511fc8df9ef91df0caf7ffae88",
        sha1: "28345ff23fed0b4d97aeed738964a49ca7fa02d1",
        sha256: "e29e46cc91651a52fa2078e747890ea9ceb89ed9f2f024fb4b60e04f7454fd63",
        ssdeep: "3:5tSlFl/l9fptHEvllMpi4dpr/tclllSUlEPDtllply6l/tPR/:5O8WpRdp+KUktr/",
        tlsh: "73811220BF440AFBC08F013088D515507AF05CC44FC270838A0038594436340969597C",
        entropy: 0.346961,
        file_type: FileType::Macho,
    },
    Expected {
        name: "tiny-universal",
        size: 24928,
        md5: "616d1259c620ba62de3aa5a9cddf8eac",
        sha1: "67174b50d08e21e8c6501273eae0d395bf0fc725",
        sha256: "8917e8a4d33701d6c2f56f0acf62b9cad88abf48da394a5312fac0d0b93491bf",
        ssdeep: "48:SsEvT/rLSJpjcw356c6HKkJukqN5VmpSa4e/ifp8xMn+pmnCmyqasUCqF:aT/yL35AfuP58pSau+gCiaX",
        tlsh: "35B2FF669B8C4B76C00E4B38C09B47D76221F2810EE2A71F5981D4542F433A4BE72F1F",
        entropy: f64::NAN,
        file_type: FileType::Macho,
    },
    Expected {
        name: "elf_with_imports",
        size: 17080,
        md5: "92c7f71d1e6cbbeeb81e53cf9e47fab3",
        sha1: "ee959c84f2d51a46580bcb35d303f6f2aba01cc9",
        sha256: "8bfe885838b4d1fba194b761ca900a0425aa892e4b358bf5a9bf4304e571df1b",
        ssdeep: "96:RWwUCWBWBfdI96snZl9o7D2XKw7/5BdzCbBebHwhlAq2Bjw:RRW81dIcsZ+odrw0nw",
        tlsh: "EF72104BF710C93BC5E8077898670B3063B6D861A76183135B0866781EE37D86F6B6DA",
        entropy: 1.754710,
        file_type: FileType::Elf,
    },
    Expected {
        name: "pe_imports",
        size: 78336,
        md5: "a80717ce1eea6bc6cf70cfd4524e245b",
        sha1: "bb1f499e3f6a8d6d00b6da63ca61dcbf212bf971",
        sha256: "04ac6dd0c1cc33a49962ee0f3222597104f54a75683a5adee235401778279818",
        ssdeep: "1536:ZnZNccRdcKjfvx8SMVnG7oeYlA14+fciljJ8FbUNUua3sWDtxQcdpvUq1JxgF:VccsKreSMV9lA14+fciljAUuuWtDpvUX",
        tlsh: "76735B1375D1D472E9B2193218B0D9B09A2FF9211F60DE7B2789167A0F301D19E36E7B",
        entropy: 6.229529,
        file_type: FileType::Pe,
    },
    Expected {
        name: "pe_mingw",
        size: 316853,
        md5: "9557c22ce09216737117d1a22f68994e",
        sha1: "ff086ae7178dc28e063c2705b833668f5f87735c",
        sha256: "2128f2e6b9ee4b1d2bf7ecd70959ae60889c768b5fba5aa1f698b909b217af58",
        ssdeep: "6144:R6Tih8liKcKCku2UuX2cpym6FyWqxlyhiA67O6KqTvbb:ACUnFTmc4xHPQJOtgb",
        tlsh: "F9640A90B545FDB5EC8A8BB510E3630993AAF081D71DEA2F7920FF3C015EA58D93354A",
        entropy: 5.815680,
        file_type: FileType::Pe,
    },
    Expected {
        name: "mtxex.dll",
        size: 9728,
        md5: "e91096e5e195104c6510619c580b1766",
        sha1: "7a84b0a47183c7fc57af145866d58f95e2b1b06a",
        sha256: "23e72ce7e9cdbc80c0095484ebeb02f56b21e48fd67044e69e7a2ae76db631e5",
        ssdeep: "192:+3YYdOO2V8iEMJxQ2mBNZNi1sKU/c0WH9W:sYiIE4xQ5Ni1sKJ0WH9W",
        tlsh: "1712A609B37C59BDF0A682F8432A171AE5B97210172257EF0130974C2D7ABC9AE357A2",
        entropy: 4.515637,
        file_type: FileType::Pe,
    },
    Expected {
        name: "signed_dll_079a472d.dll",
        size: 16800,
        md5: "32525c230b456d6e7efc8ac7c39b0f38",
        sha1: "f3976f17cdf628fa98e129cd6d1c5a6e04273674",
        sha256: "079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885",
        ssdeep: "192:3LR25UqZHKk9sWzUgpBIjNq53X7PVT6i2Qp8dyTGUtu7+0nYe+PjPDjLUZEwrjzK:7sU+HKGJQNqFrPVZ248kmlnYPLfXF",
        tlsh: "AE727E8A1F1890B3EBD3997451E6E2325C39F390FE91089B6BEA45501DD0F912E3691E",
        entropy: 6.384298,
        file_type: FileType::Pe,
    },
    Expected {
        name: "0ca09bde7602769120fadc4f7a4147347a7a97271370583586c9e587fd396171",
        size: 3584,
        md5: "50c2ef21cbdd6bae1aa2a2113a8fbe88",
        sha1: "36b5052638159c0fbe55635c4193b18803f68461",
        sha256: "0ca09bde7602769120fadc4f7a4147347a7a97271370583586c9e587fd396171",
        ssdeep: "24:etGSV2paWKzW8r/S41rZlzqpswATQApjq0mWrez0yCaStvWWIfs1F0aNaspLwmQk:6udmR11lzqpZ0mGkCaI92svtItIB",
        tlsh: "6E71F11667F8433BEAB2477BBCE3534A2129F950DE32476F084553296C223A49AA4F61",
        entropy: 3.719619,
        file_type: FileType::Pe,
    },
    Expected {
        name: "undersized_rich",
        size: 392,
        md5: "46a2d2c905786ed4d1b260409721d329",
        sha1: "53daaee4f307ec6dbc580826926f813931a05409",
        sha256: "02608d9114e04595415b4de7f017c003fbab0e0f076bb1369e2fb25c493a8ff0",
        ssdeep: "3:GltlvoWzR1gyln/:yQ0Rqyp/",
        tlsh: "EAE0041D010CF011C47545344514C135D711CC10004F0307115515001C1070045101C0",
        entropy: 0.526477,
        file_type: FileType::Pe,
    },
    Expected {
        name: "weird_rich",
        size: 840,
        md5: "a4780af273c12001f7472b0cca384a96",
        sha1: "208d28929a96b97a7b8c76deef9c7acc9b8ae007",
        sha256: "d009038e4e371f9cdc3a96923700c17d29de9dfc156666c98581dfeccc07548e",
        ssdeep: "6:idqEfHVg3F+X32iTlaZd7MkgOu4KA4wTqlHi/Wl/UQs:e/GSGiTQFgOu4KXwyCFD",
        tlsh: "C701C267EB9EEC71C05927BC0A07CE0616F4A4104364B3061683243E7C6826A1DAB8B0",
        entropy: 2.169578,
        file_type: FileType::Pe,
    },
    Expected {
        name: "bad_dotnet_pe",
        size: 4096,
        md5: "c9d3a35ebe99d7737f2dedb15d275c4c",
        sha1: "8850e7951524f3a0f5815877ea46f5bbd4265707",
        sha256: "a092270ff57dfe12da568d9c650c3d3af1564cead9e556bfd240351e237a97d2",
        ssdeep: "48:6zqsMFijNwdVH2ulzQ6Zjd2BVhsOlXr698Lb:RiydEuPUBHlr6e",
        tlsh: "7F81311163F5137BF5BB0B72FCA313911275FE58ADA3872F194157066C162288E32FA2",
        entropy: 3.368119,
        file_type: FileType::Pe,
    },
    Expected {
        name: "eicar.com",
        size: 68,
        md5: "44d88612fea8a8f36de82e1278abb02f",
        sha1: "3395856ce81f2b7382dee72602f798b642f14140",
        sha256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
        ssdeep: "3:a+JraNvsgzsVqSwHq9:tJuOgzsko",
        tlsh: "41A022003B0EEE2BA20B00200032E8B00808020E2CE00A3820A020B8C83308803EC228",
        entropy: 4.872328,
        file_type: FileType::Text,
    },
];

#[test]
fn hashes_entropy_and_type_match_the_readme_for_every_fixture() {
    for expected in EXPECTED {
        let report = analyze_clean(expected.name);
        let name = expected.name;
        assert_eq!(report.file.size, expected.size, "{name} size");
        assert_eq!(report.file.file_type, expected.file_type, "{name} type");
        assert_eq!(report.hashes.md5, expected.md5, "{name} md5");
        assert_eq!(report.hashes.sha1, expected.sha1, "{name} sha1");
        assert_eq!(report.hashes.sha256, expected.sha256, "{name} sha256");
        assert_eq!(
            report.hashes.ssdeep.as_deref(),
            Some(expected.ssdeep),
            "{name} ssdeep"
        );
        // The README lists the 70 digits; TLSH 4.x prints them after `T1`.
        assert_eq!(
            report.hashes.tlsh.as_deref(),
            Some(format!("T1{}", expected.tlsh).as_str()),
            "{name} tlsh"
        );
        if !expected.entropy.is_nan() {
            assert!(
                (report.entropy - expected.entropy).abs() < 1e-6,
                "{name} entropy {} vs {}",
                report.entropy,
                expected.entropy
            );
        }
    }
}

/// (name, ordinal, rva, forwarder, offset)
type ExportRow<'a> = (Option<&'a str>, u32, u32, Option<&'a str>, Option<u64>);

fn pe_of(report: &AnalysisReport) -> &PeReport {
    report.pe.as_ref().expect("a PE report")
}

fn library<'a>(pe: &'a PeReport, name: &str, delayed: bool) -> &'a PeImportLibrary {
    pe.imports
        .iter()
        .find(|library| library.library == name && library.delayed == delayed)
        .unwrap_or_else(|| {
            panic!(
                "no {name} (delayed {delayed}) in {:?}",
                pe.imports
                    .iter()
                    .map(|library| &library.library)
                    .collect::<Vec<_>>()
            )
        })
}

fn iat(library: &PeImportLibrary, function: &str) -> Option<u32> {
    library
        .functions
        .iter()
        .find(|entry| entry.name.as_deref() == Some(function))
        .and_then(|entry| entry.iat_rva)
}

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
    assert!(
        report
            .indicators
            .iter()
            .any(|indicator| indicator.id == "overlay")
    );
    assert!(
        report
            .indicators
            .iter()
            .any(|indicator| indicator.id == "checksum_mismatch")
    );
}

fn nexus_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
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
    let counts: Vec<(&str, usize)> = pe
        .imports
        .iter()
        .map(|library| (library.library.as_str(), library.functions.len()))
        .collect();
    assert_eq!(counts, [("KERNEL32.dll", 23), ("msvcrt.dll", 26)]);
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
    let counts: Vec<(&str, usize)> = pe
        .imports
        .iter()
        .map(|library| (library.library.as_str(), library.functions.len()))
        .collect();
    assert_eq!(counts, [("msvcrt.dll", 6), ("KERNEL32.dll", 18)]);
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
    assert!(
        report
            .indicators
            .iter()
            .any(|indicator| indicator.id == "future_timestamp"),
        "2027 timestamp"
    );
}

#[test]
fn signed_dll_rich_header_version_info_imports_pdb_and_certificates() {
    let report = analyze_clean("signed_dll_079a472d.dll");
    let pe = pe_of(&report);
    let rich = pe.rich_header.as_ref().expect("rich header");
    assert_eq!(
        (rich.offset, rich.length, rich.key),
        (0x80, 96, 0x0965_4322)
    );
    let entries: Vec<(u16, u16, u32)> = rich
        .entries
        .iter()
        .map(|entry| (entry.tool_id, entry.version, entry.count))
        .collect();
    assert_eq!(
        entries,
        [
            (156, 40219, 3),
            (158, 40219, 1),
            (170, 40219, 11),
            (171, 30319, 3),
            (147, 30729, 2),
            (1, 0, 44),
            (171, 40219, 4),
            (155, 40219, 1),
            (154, 40219, 1),
            (157, 40219, 1)
        ]
    );
    let count = |tool: u16, version: u16| {
        entries
            .iter()
            .filter(|entry| entry.0 == tool && entry.1 == version)
            .map(|entry| entry.2)
            .sum::<u32>()
    };
    assert_eq!(count(157, 40219), 1, "R1");
    assert!((41..45).contains(&count(1, 0)), "R2");
    assert!(entries.iter().any(|entry| entry.1 == 30319), "R3");
    assert_eq!(count(170, 40219), 11, "R4");
    assert!(pe.version_info.len() > 2, "V1");
    assert_eq!(
        pe.version_info.get("FileVersion").map(String::as_str),
        Some("27.1.9.33"),
        "V2"
    );
    assert_eq!(pe.version_info.len(), 11);
    assert_eq!(
        pe.version_info.get("ProductName").map(String::as_str),
        Some("Quicken for Windows")
    );
    assert_eq!(
        pe.version_info.get("CompanyName").map(String::as_str),
        Some("Quicken Inc.")
    );
    assert_eq!(
        pe.version_info.get("FileDescription").map(String::as_str),
        Some("Customer Profile Interface DLL")
    );
    assert_eq!(
        pe.version_info.get("OriginalFilename").map(String::as_str),
        Some("CUSTPROF.DLL")
    );
    assert_eq!(
        iat(library(pe, "MSVCR100.dll", false), "_initterm"),
        Some(0x3084),
        "I1/I2"
    );
    assert_eq!(
        iat(
            library(pe, "KERNEL32.dll", false),
            "QueryPerformanceCounter"
        ),
        Some(0x3054),
        "I3"
    );
    assert_eq!(
        pe.pdb.as_ref().map(|pdb| pdb.path.as_str()),
        Some(r"D:\workspace\2018_R9_RelBld\target\checkout\custprof\Release\custprof.pdb"),
        "D1"
    );
    let qdb = library(pe, "QDB.dll", true);
    let ordinals: Vec<Option<u16>> = qdb
        .functions
        .iter()
        .map(|function| function.ordinal)
        .collect();
    assert_eq!(
        ordinals,
        [
            Some(116),
            Some(102),
            Some(95),
            Some(105),
            Some(103),
            Some(34)
        ],
        "L1 and observed"
    );
    assert_eq!(qdb.functions[0].iat_rva, Some(0x4018));
    assert_eq!(library(pe, "MSVCR100.dll", false).functions.len(), 16);
    assert_eq!(library(pe, "KERNEL32.dll", false).functions.len(), 22);
    let exports: Vec<(u32, Option<&str>, Option<u64>)> = pe
        .exports
        .iter()
        .map(|export| (export.ordinal, export.name.as_deref(), export.offset))
        .collect();
    assert_eq!(
        exports,
        [
            (200, Some("CP_PutItem"), Some(0x46c)),
            (201, Some("CP_GetItem"), Some(1342)),
            (202, Some("CP_DelItem"), Some(1024)),
            (203, Some("CP_GetTaxMap"), Some(1114)),
            (204, Some("_DllMain@12"), Some(1552))
        ]
    );
    assert_eq!(pe.export_dll_name.as_deref(), Some("CUSTPROF.dll"));
    assert_eq!(pe.resources.len(), 2);
    assert!(
        pe.resources
            .iter()
            .all(|resource| resource.language == 1033)
    );
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("d8d0e06b79eed07c6482ca040d30f52a")
    );
    assert_eq!(
        (pe.entry_point, pe.entry_point_offset),
        (0x162d, Some(0xa2d))
    );
    assert_eq!(
        (pe.checksum.stated, pe.checksum.computed),
        (0x14184, 0x14184)
    );

    let signature = pe.signature.as_ref().expect("S1: signed");
    assert_eq!((signature.offset, signature.size), (10752, 6048));
    assert_eq!(signature.certificates.len(), 4, "S11");
    let expected = [
        (
            "/C=US/O=Symantec Corporation/CN=Symantec Time Stamping Services CA - G2",
            "/C=ZA/ST=Western Cape/L=Durbanville/O=Thawte/OU=Thawte Certification/CN=Thawte Timestamping CA",
            "7e:93:eb:fb:7c:c6:4e:59:ea:4b:9a:77:d4:06:fc:3b",
            "6c07453ffdda08b83707c09b82fb3d15f35336b1",
            "2012-12-21T00:00:00Z",
            "2020-12-30T23:59:59Z",
        ),
        (
            "/C=US/O=Symantec Corporation/CN=Symantec Time Stamping Services Signer - G4",
            "/C=US/O=Symantec Corporation/CN=Symantec Time Stamping Services CA - G2",
            "0e:cf:f4:38:c8:fe:bf:35:6e:04:d8:6a:98:1b:1a:50",
            "65439929b67973eb192d6ff243e6767adf0834e4",
            "2012-10-18T00:00:00Z",
            "2020-12-29T23:59:59Z",
        ),
        (
            "/C=US/ST=California/L=Menlo Park/O=Quicken, Inc./OU=Operations/CN=Quicken, Inc.",
            "/C=US/O=Symantec Corporation/OU=Symantec Trust Network/CN=Symantec Class 3 SHA256 Code Signing CA",
            "21:bd:b2:cb:ec:e5:43:1e:24:f7:56:74:d6:0e:9c:1d",
            "c1bf1b8f751bf97626ed77f755f0a393106f2454",
            "2017-04-12T00:00:00Z",
            "2019-06-04T23:59:59Z",
        ),
        (
            "/C=US/O=Symantec Corporation/OU=Symantec Trust Network/CN=Symantec Class 3 SHA256 Code Signing CA",
            "/C=US/O=VeriSign, Inc./OU=VeriSign Trust Network/OU=(c) 2006 VeriSign, Inc. - For authorized use only/CN=VeriSign Class 3 Public Primary Certification Authority - G5",
            "3d:78:d7:f9:76:49:60:b2:61:7d:f4:f0:1e:ca:86:2a",
            "007790f6561dad89b0bcd85585762495e358f8a5",
            "2013-12-10T00:00:00Z",
            "2023-12-09T23:59:59Z",
        ),
    ];
    for (certificate, (subject, issuer, serial, thumbprint, not_before, not_after)) in
        signature.certificates.iter().zip(expected)
    {
        assert_eq!(certificate.subject, subject, "S4 / certificate table");
        assert_eq!(certificate.issuer, issuer);
        assert_eq!(certificate.serial, serial);
        assert_eq!(certificate.thumbprint_sha1, thumbprint, "S3 / thumbprints");
        assert_eq!(
            (
                certificate.not_before.as_str(),
                certificate.not_after.as_str()
            ),
            (not_before, not_after)
        );
    }
    let overlay = pe
        .overlay
        .as_ref()
        .expect("the certificate table is the overlay");
    assert_eq!((overlay.offset, overlay.size), (10752, 6048));
    assert!(
        !report
            .indicators
            .iter()
            .any(|indicator| indicator.id == "overlay"),
        "a signature-only overlay is not suspicious"
    );
}

#[test]
fn dotnet_resource_assembly() {
    let report = analyze_clean("0ca09bde7602769120fadc4f7a4147347a7a97271370583586c9e587fd396171");
    let pe = pe_of(&report);
    assert!(pe.is_dotnet, "A1");
    assert_eq!(pe.sections.len(), 3);
    let imports: Vec<(&str, Option<&str>)> = pe
        .imports
        .iter()
        .flat_map(|library| {
            library
                .functions
                .iter()
                .map(move |function| (library.library.as_str(), function.name.as_deref()))
        })
        .collect();
    assert_eq!(imports, [("mscoree.dll", Some("_CorDllMain"))]);
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("dae02f32a21e03ce65412f6e56942daa")
    );
    assert_eq!(
        (pe.entry_point, pe.entry_point_offset),
        (0x255e, Some(0x75e))
    );
}

#[test]
fn malformed_rich_headers_and_truncated_headers_still_parse() {
    let report = analyze_clean("undersized_rich");
    let pe = pe_of(&report);
    let rich = pe.rich_header.as_ref().expect("A2: rich header present");
    assert_eq!(
        (rich.offset, rich.length, rich.key),
        (0x84, 4, 0x1234_5678),
        "A2 and observed"
    );
    assert!(rich.entries.is_empty(), "no wrapped entry count");
    assert_eq!(report.hashes.imphash, None, "pefile: empty imphash");
    assert_ne!(
        report.verdict,
        VerdictHint::Benign,
        "a truncated header is not a clean bill of health"
    );

    let report = analyze_clean("weird_rich");
    let pe = pe_of(&report);
    let rich = pe.rich_header.as_ref().expect("rich header");
    assert_eq!(
        (rich.offset, rich.length, rich.key),
        (0x200, 64, 0x9f1d_8511),
        "A1-A3"
    );
    let entries: Vec<(u16, u16, u32)> = rich
        .entries
        .iter()
        .map(|entry| (entry.tool_id, entry.version, entry.count))
        .collect();
    assert_eq!(
        entries,
        [
            (1, 0, 17),
            (93, 4035, 3),
            (149, 30729, 1),
            (131, 30729, 5),
            (148, 30729, 1),
            (145, 30729, 1)
        ],
        "A4"
    );
    assert_eq!(pe.entry_point, 0x1abe);
    assert_eq!(
        pe.entry_point_offset, None,
        "YARA reports -1: the RVA cannot be mapped"
    );
    assert_eq!(pe.subsystem, "native");

    let report = analyze_clean("bad_dotnet_pe");
    let pe = pe_of(&report);
    assert_eq!(
        report.hashes.imphash.as_deref(),
        Some("dae02f32a21e03ce65412f6e56942daa")
    );
    assert_eq!(
        (pe.entry_point, pe.entry_point_offset),
        (0x267e, Some(0x87e))
    );
    assert_eq!(pe.sections.len(), 3);
}

#[test]
fn elf_with_imports_matches_readelf() {
    let report = analyze_clean("elf_with_imports");
    let elf = report.elf.as_ref().expect("ELF report");
    assert_eq!(
        (
            elf.class.as_str(),
            elf.endianness.as_str(),
            elf.elf_type.as_str(),
            elf.machine.as_str()
        ),
        ("elf64", "little", "dyn", "x86_64")
    );
    assert_eq!(elf.machine_id, 62);
    assert_eq!(elf.entry_point, 0);
    assert_eq!(elf.sections.len(), 34);
    assert_eq!(elf.sections[0].name, "");
    let names: Vec<&str> = elf
        .sections
        .iter()
        .skip(1)
        .map(|section| section.name.as_str())
        .collect();
    for expected in [
        ".note.gnu.build-id",
        ".gnu.hash",
        ".dynsym",
        ".dynstr",
        ".rela.plt",
        ".text",
        ".dynamic",
        ".got.plt",
        ".debug_info",
        ".symtab",
        ".strtab",
        ".shstrtab",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert_eq!(elf.segments.len(), 11);
    assert_eq!(elf.needed, ["libdyn.so", "libc.so.6"]);
    assert_eq!((elf.dynsym_count, elf.symtab_count), (21, 40));
    let mut imported: Vec<&str> = elf
        .imported_symbols
        .iter()
        .map(|symbol| symbol.name.as_str())
        .collect();
    imported.sort_unstable();
    let mut expected = vec![
        "memstuff",
        "z",
        "weak_fun",
        "FOO",
        "foo64",
        "foo",
        "strstuff",
        "ALLCAPSSTR",
        "stuffmem",
        "FOO64",
        "long_function_to_make_the_tlsh_hash_work",
        "STRALLCAPS",
        "__cxa_finalize",
        "stuffstr",
        "a_value",
        "_ITM_deregisterTMCloneTable",
        "__gmon_start__",
        "_ITM_registerTMCloneTable",
    ];
    expected.sort_unstable();
    assert_eq!(imported, expected);
    let exported: Vec<(&str, u64, u64)> = elf
        .exported_symbols
        .iter()
        .map(|symbol| (symbol.name.as_str(), symbol.value, symbol.size))
        .collect();
    assert!(exported.contains(&("main", 0x11d0, 97)), "{exported:?}");
    assert!(
        exported.contains(&("protected_fun", 0x11c9, 7)),
        "{exported:?}"
    );
    assert!(elf.hardening.pie, "a DYN object is position independent");
}

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
    let bytes = crate::common::fixture("tiny-universal");
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

#[test]
fn eicar_is_detected_by_the_builtin_rule() {
    let report = analyze_clean("eicar.com");
    assert_eq!(report.yara.len(), 1);
    let hit = &report.yara[0];
    assert_eq!(
        (hit.rule.as_str(), hit.namespace.as_str()),
        ("eicar_test_file", "builtin")
    );
    assert_eq!(hit.strings[0].offsets, [0]);
    assert_eq!(report.verdict, VerdictHint::Malicious);
    assert!(report.score >= 70);
    assert_eq!(report.file.mime, "text/plain");
}
