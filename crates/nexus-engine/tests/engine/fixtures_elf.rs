//! Facts about the shared ELF fixture, as readelf reports them.

use crate::common::analyze_clean;

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
