//! Facts about the shared PE fixtures with rich headers, signatures or .NET metadata, including the
//! malformed ones. "A<n>" are facts YARA's own test suite asserts; the others are the README's
//! observed values.

use nexus_proto::report::VerdictHint;

use crate::common::{analyze_clean, has_indicator, iat, library, pe_of, rich_entries};

#[test]
fn signed_dll_rich_header_version_info_imports_pdb_and_certificates() {
    let report = analyze_clean("signed_dll_079a472d.dll");
    let pe = pe_of(&report);
    let rich = pe.rich_header.as_ref().expect("rich header");
    assert_eq!(
        (rich.offset, rich.length, rich.key),
        (0x80, 96, 0x0965_4322)
    );
    let entries: Vec<(u16, u16, u32)> = rich_entries(rich);
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
        !has_indicator(&report, "overlay"),
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
    let entries: Vec<(u16, u16, u32)> = rich_entries(rich);
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
