//! Hostile input: truncated and mutated variants of every fixture, and crafted headers. The report
//! must always come back complete (every stage listed), and no stage may panic.

use std::sync::OnceLock;

use nexus_engine::{AnalysisReport, Engine, EngineConfig, RuleSet};

use crate::common::{all_fixture_names, fixture};

/// No YARA rules: these tests are about the parsers, and scanning thousands of variants with the
/// built-in rules would only slow them down.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default(), RuleSet::empty()))
}

fn assert_complete(report: &AnalysisReport, what: &str) {
    let names: Vec<&str> = report
        .stages
        .iter()
        .map(|stage| stage.name.as_str())
        .collect();
    assert_eq!(names.last(), Some(&"score"), "{what}: {names:?}");
    let panicked: Vec<_> = report
        .stages
        .iter()
        .filter(|stage| stage.error_code.as_deref() == Some("panicked"))
        .collect();
    assert!(
        panicked.is_empty(),
        "{what}: a stage panicked: {panicked:?}"
    );
    assert!(report.score <= 100);
}

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

#[test]
fn truncated_variants_of_every_fixture_keep_their_report() {
    for name in all_fixture_names() {
        let bytes = fixture(&name);
        let mut cuts: Vec<usize> = (0..16).map(|step| bytes.len() * step / 16).collect();
        cuts.extend(
            [1, 2, 4, 0x3c, 0x40, 0x80, 0x100, 0x200, 0x400, 0x1000]
                .into_iter()
                .filter(|&cut| cut < bytes.len()),
        );
        for cut in cuts {
            let report = engine().analyze(&bytes[..cut]);
            assert_complete(&report, &format!("{name} cut at {cut}"));
            assert_eq!(report.file.size, cut as u64);
        }
    }
}

#[test]
fn mutated_variants_of_every_fixture_keep_their_report() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    for name in all_fixture_names() {
        let original = fixture(&name);
        for round in 0..60 {
            let mut bytes = original.clone();
            // Header-heavy mutations: most parser decisions are made in the first few KiB.
            let window = bytes
                .len()
                .min(if round % 2 == 0 { 1024 } else { usize::MAX });
            for _ in 0..1 + random.below(16) {
                let at = random.below(window);
                match random.below(4) {
                    0 => bytes[at] = random.next() as u8,
                    1 => bytes[at] ^= 1 << random.below(8),
                    2 => bytes[at] = [0x00, 0xff, 0x7f, 0x80][random.below(4)],
                    _ => {
                        // Overwrite a dword with an extreme value (sizes, counts, offsets).
                        let value: u32 =
                            [0, u32::MAX, 0x7fff_ffff, 0x8000_0000, 0xffff][random.below(5)];
                        let end = (at + 4).min(bytes.len());
                        bytes[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
                    }
                }
            }
            let report = engine().analyze(&bytes);
            assert_complete(&report, &format!("{name} mutation round {round}"));
        }
    }
}

/// A minimal PE32 header with chosen counts and directories, for crafted cases.
fn crafted_pe(sections: u16, directories: &[(usize, u32, u32)]) -> Vec<u8> {
    let mut bytes = vec![0u8; 0x400];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
    bytes[0x84..0x86].copy_from_slice(&0x14cu16.to_le_bytes());
    bytes[0x86..0x88].copy_from_slice(&sections.to_le_bytes());
    bytes[0x94..0x96].copy_from_slice(&0xe0u16.to_le_bytes());
    bytes[0x98..0x9a].copy_from_slice(&0x10bu16.to_le_bytes());
    bytes[0x98 + 92..0x98 + 96].copy_from_slice(&16u32.to_le_bytes());
    for &(index, rva, size) in directories {
        let at = 0x98 + 96 + index * 8;
        bytes[at..at + 4].copy_from_slice(&rva.to_le_bytes());
        bytes[at + 4..at + 8].copy_from_slice(&size.to_le_bytes());
    }
    bytes
}

#[test]
fn crafted_pe_headers_with_absurd_values_are_contained() {
    let cases = [
        ("65535 sections", crafted_pe(u16::MAX, &[])),
        (
            "import table pointing at itself",
            crafted_pe(0, &[(1, 0x98, 0x100)]),
        ),
        ("resource tree pointing at itself", {
            let mut bytes = crafted_pe(0, &[(2, 0x300, 0x100)]);
            // A directory with 0xffff id entries, each a subdirectory pointing back at the root.
            bytes[0x30e..0x310].copy_from_slice(&0xffffu16.to_le_bytes());
            for entry in 0..30 {
                let at = 0x310 + entry * 8;
                bytes[at + 4..at + 8].copy_from_slice(&0x8000_0000u32.to_le_bytes());
            }
            bytes
        }),
        (
            "every directory at the end of the address space",
            crafted_pe(
                0,
                &(0..16)
                    .map(|index| (index, u32::MAX - 3, u32::MAX))
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "certificate table larger than the file",
            crafted_pe(0, &[(4, 0x200, u32::MAX)]),
        ),
        ("e_lfanew past the end", {
            let mut bytes = crafted_pe(0, &[]);
            bytes[0x3c..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
            bytes
        }),
    ];
    for (what, bytes) in cases {
        let report = engine().analyze(&bytes);
        assert_complete(&report, what);
    }
}

#[test]
fn crafted_elf_and_macho_headers_are_contained() {
    let mut elf = vec![0u8; 128];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2;
    elf[5] = 1;
    elf[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes()); // e_phoff
    elf[0x38..0x3a].copy_from_slice(&u16::MAX.to_le_bytes()); // e_phnum
    assert_complete(&engine().analyze(&elf), "ELF with absurd program headers");

    let mut fat = vec![0u8; 64];
    fat[..4].copy_from_slice(&0xcafe_babeu32.to_be_bytes());
    fat[4..8].copy_from_slice(&2u32.to_be_bytes());
    fat[8..12].copy_from_slice(&7u32.to_be_bytes());
    fat[16..20].copy_from_slice(&u32::MAX.to_be_bytes()); // offset
    fat[20..24].copy_from_slice(&u32::MAX.to_be_bytes()); // size
    assert_complete(
        &engine().analyze(&fat),
        "fat Mach-O with slices past the end",
    );

    let mut thin = vec![0u8; 64];
    thin[..4].copy_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
    thin[16..20].copy_from_slice(&u32::MAX.to_le_bytes()); // ncmds
    thin[20..24].copy_from_slice(&u32::MAX.to_le_bytes()); // sizeofcmds
    assert_complete(
        &engine().analyze(&thin),
        "thin Mach-O with absurd load command counts",
    );
}

/// Inputs the fuzzer found (tests/data/fuzz): each once cost gigabytes, e.g. a resource tree whose
/// thousands of leaves each repeated a 64 Ki-unit name. They must now stay small and fast.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let started = std::time::Instant::now();
        let report = engine().analyze(&bytes);
        assert_complete(&report, &path.display().to_string());
        let json = serde_json::to_vec(&report).unwrap();
        assert!(
            json.len() < 16 * 1024 * 1024,
            "{}: report is {} bytes",
            path.display(),
            json.len()
        );
        if let Some(pe) = &report.pe {
            assert!(pe.resources.len() <= 4096);
            assert!(pe.resources.iter().all(|resource| {
                resource
                    .name
                    .as_ref()
                    .is_none_or(|name| name.chars().count() <= 256)
            }));
            assert!(
                pe.imports
                    .iter()
                    .map(|library| library.functions.len())
                    .sum::<usize>()
                    <= 65_536
            );
        }
        // Generous: a debug build on a loaded machine; the unfixed inputs took minutes.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{} took {:?}",
            path.display(),
            started.elapsed()
        );
        checked += 1;
    }
    assert!(checked >= 2);
}
