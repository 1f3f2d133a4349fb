//! Whole-file facts about every shared fixture: size, type, hashes and entropy from the fixtures
//! README, and the built-in EICAR rule. See [`crate::fixtures_pe`] for the conventions ("A<n>" are
//! facts YARA's own test suite asserts; the others are the README's observed values).

use nexus_proto::report::{FileType, VerdictHint};

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
