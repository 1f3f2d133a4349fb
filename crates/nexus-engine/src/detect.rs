//! Content-based type detection: magic numbers first, then text heuristics. File names are never
//! consulted (an uploader controls them).

use memchr::memmem;
use nexus_proto::report::{FileInfo, FileType};

use crate::bytes::{u16_le, u32_be, u32_le};

/// How many leading bytes the text heuristics look at.
const TEXT_PROBE_BYTES: usize = 8 * 1024;

/// Detects the type, MIME type and a one-line description of `bytes`.
pub fn detect(bytes: &[u8]) -> FileInfo {
    let size = bytes.len() as u64;
    let (file_type, mime, subtype, description) = classify(bytes);
    FileInfo {
        size,
        mime: mime.to_owned(),
        file_type,
        subtype: subtype.map(str::to_owned),
        description,
    }
}

type Classification = (FileType, &'static str, Option<&'static str>, String);

fn classify(bytes: &[u8]) -> Classification {
    if let Some(pe) = classify_pe(bytes) {
        return pe;
    }
    if bytes.starts_with(b"\x7fELF") {
        return classify_elf(bytes);
    }
    if let Some(macho) = classify_macho(bytes) {
        return macho;
    }
    if memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return (
            FileType::Pdf,
            "application/pdf",
            None,
            "PDF document".to_owned(),
        );
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return classify_zip(bytes);
    }
    if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) {
        return (
            FileType::Ole2,
            "application/x-ole-storage",
            None,
            "OLE2 compound document".to_owned(),
        );
    }
    classify_text(bytes).unwrap_or_else(|| {
        (
            FileType::Unknown,
            "application/octet-stream",
            None,
            "data".to_owned(),
        )
    })
}

fn classify_pe(bytes: &[u8]) -> Option<Classification> {
    if !bytes.starts_with(b"MZ") {
        return None;
    }
    let dos = || {
        (
            FileType::Unknown,
            "application/x-dosexec",
            Some("dos_mz"),
            "MS-DOS executable".to_owned(),
        )
    };
    let Some(pe_offset) = u32_le(bytes, 0x3c).and_then(|value| usize::try_from(value).ok()) else {
        return Some(dos());
    };
    if bytes.get(pe_offset..pe_offset.saturating_add(4)) != Some(b"PE\0\0") {
        return Some(dos());
    }
    let machine = u16_le(bytes, pe_offset + 4).unwrap_or(0);
    let characteristics = u16_le(bytes, pe_offset + 22).unwrap_or(0);
    let magic = u16_le(bytes, pe_offset + 24).unwrap_or(0);
    let (subtype, bits) = if magic == 0x20b {
        ("pe32+", "PE32+")
    } else {
        ("pe32", "PE32")
    };
    let kind = if characteristics & 0x2000 != 0 {
        "(DLL)"
    } else {
        "executable"
    };
    let description = format!(
        "{bits} {kind} {}",
        crate::pe::headers::machine_name(machine)
    );
    Some((
        FileType::Pe,
        "application/vnd.microsoft.portable-executable",
        Some(subtype),
        description,
    ))
}

fn classify_elf(bytes: &[u8]) -> Classification {
    let class = if bytes.get(4) == Some(&2) {
        "ELF64"
    } else {
        "ELF32"
    };
    let big_endian = bytes.get(5) == Some(&2);
    let read_u16 = |offset: usize| {
        bytes.get(offset..offset + 2).map(|raw| {
            if big_endian {
                u16::from_be_bytes([raw[0], raw[1]])
            } else {
                u16::from_le_bytes([raw[0], raw[1]])
            }
        })
    };
    let elf_type = read_u16(16).unwrap_or(0);
    let machine = read_u16(18).unwrap_or(0);
    let (mime, kind) = match elf_type {
        1 => ("application/x-object", "relocatable"),
        2 => ("application/x-executable", "executable"),
        3 => ("application/x-sharedlib", "shared object"),
        4 => ("application/x-coredump", "core file"),
        _ => ("application/x-elf", "file"),
    };
    let subtype = if class == "ELF64" { "elf64" } else { "elf32" };
    let description = format!("{class} {kind} {}", crate::elf::machine_name(machine));
    (FileType::Elf, mime, Some(subtype), description)
}

fn classify_macho(bytes: &[u8]) -> Option<Classification> {
    let magic = u32_be(bytes, 0)?;
    match magic {
        0xfeedface | 0xcefaedfe | 0xfeedfacf | 0xcffaedfe => {
            let bits = if matches!(magic, 0xfeedfacf | 0xcffaedfe) {
                "64-bit"
            } else {
                "32-bit"
            };
            let little = matches!(magic, 0xcefaedfe | 0xcffaedfe);
            let cpu = if little {
                u32_le(bytes, 4)
            } else {
                u32_be(bytes, 4)
            }
            .unwrap_or(0);
            let description = format!("Mach-O {bits} {}", crate::macho::cpu_name(cpu));
            Some((
                FileType::Macho,
                "application/x-mach-binary",
                Some("macho"),
                description,
            ))
        }
        0xcafebabe | 0xcafebabf => {
            // Java class files share CAFEBABE; their next word (minor/major version) is large,
            // while a fat Mach-O's is its architecture count.
            let count = u32_be(bytes, 4).unwrap_or(0);
            if count == 0 || count > 30 {
                return Some((
                    FileType::Unknown,
                    "application/java-vm",
                    Some("java_class"),
                    "Java class file".to_owned(),
                ));
            }
            let description = format!("Mach-O universal binary with {count} architectures");
            Some((
                FileType::Macho,
                "application/x-mach-binary",
                Some("macho_fat"),
                description,
            ))
        }
        _ => None,
    }
}

fn classify_zip(bytes: &[u8]) -> Classification {
    let probe = &bytes[..bytes.len().min(256 * 1024)];
    let has = |needle: &[u8]| memmem::find(probe, needle).is_some();
    if has(b"[Content_Types].xml") {
        let (subtype, mime, what) = if has(b"word/") {
            (
                "docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "Word",
            )
        } else if has(b"xl/") {
            (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Excel",
            )
        } else if has(b"ppt/") {
            (
                "pptx",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "PowerPoint",
            )
        } else {
            (
                "ooxml",
                "application/vnd.openxmlformats-officedocument",
                "Office",
            )
        };
        return (
            FileType::Ooxml,
            mime,
            Some(subtype),
            format!("Microsoft {what} Open XML document"),
        );
    }
    if has(b"AndroidManifest.xml") && has(b"classes.dex") {
        return (
            FileType::Zip,
            "application/vnd.android.package-archive",
            Some("apk"),
            "Android package".to_owned(),
        );
    }
    if has(b"META-INF/MANIFEST.MF") {
        return (
            FileType::Zip,
            "application/java-archive",
            Some("jar"),
            "Java archive".to_owned(),
        );
    }
    (
        FileType::Zip,
        "application/zip",
        None,
        "ZIP archive".to_owned(),
    )
}

fn classify_text(bytes: &[u8]) -> Option<Classification> {
    if bytes.starts_with(&[0xff, 0xfe]) {
        return Some((
            FileType::Text,
            "text/plain",
            Some("utf16le"),
            "UTF-16LE text".to_owned(),
        ));
    }
    let probe = &bytes[..bytes.len().min(TEXT_PROBE_BYTES)];
    let probe = probe.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(probe);
    if !looks_like_text(probe) {
        return None;
    }
    if let Some(script) = classify_script(probe) {
        return Some(script);
    }
    let lower = probe.to_ascii_lowercase();
    if lower.starts_with(b"<!doctype html") || memmem::find(&lower, b"<html").is_some() {
        return Some((
            FileType::Text,
            "text/html",
            Some("html"),
            "HTML document".to_owned(),
        ));
    }
    if lower.starts_with(b"<?xml") {
        return Some((
            FileType::Text,
            "text/xml",
            Some("xml"),
            "XML document".to_owned(),
        ));
    }
    Some((FileType::Text, "text/plain", None, "text".to_owned()))
}

/// Text when there is no NUL and at most 5 % control bytes; bytes ≥ 0x80 are allowed (UTF-8, code pages).
fn looks_like_text(probe: &[u8]) -> bool {
    if probe.is_empty() || probe.contains(&0) {
        return false;
    }
    let control = probe
        .iter()
        .filter(|&&byte| byte < 0x20 && !matches!(byte, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    control * 20 <= probe.len()
}

fn classify_script(probe: &[u8]) -> Option<Classification> {
    let script = |mime: &'static str, subtype: &'static str, what: &str| {
        Some((
            FileType::Script,
            mime,
            Some(subtype),
            format!("{what} script"),
        ))
    };
    if let Some(shebang) = probe.strip_prefix(b"#!") {
        let line = &shebang[..shebang
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(shebang.len())];
        let line = String::from_utf8_lossy(line).to_ascii_lowercase();
        return if line.contains("python") {
            script("text/x-python", "python", "Python")
        } else if line.contains("perl") {
            script("text/x-perl", "perl", "Perl")
        } else if line.contains("node") {
            script("application/javascript", "javascript", "JavaScript")
        } else if line.contains("ruby") {
            script("text/x-ruby", "ruby", "Ruby")
        } else if line.contains("pwsh") || line.contains("powershell") {
            script("text/x-powershell", "powershell", "PowerShell")
        } else {
            script("text/x-shellscript", "shell", "Shell")
        };
    }
    let lower = probe.to_ascii_lowercase();
    let count = |needles: &[&[u8]]| {
        needles
            .iter()
            .filter(|needle| memmem::find(&lower, needle).is_some())
            .count()
    };
    if lower.starts_with(b"@echo off")
        || count(&[b"\n@echo ", b"%~dp0", b"\ngoto ", b"\nset ", b"%comspec%"]) >= 2
    {
        return script("text/x-msdos-batch", "batch", "Windows batch");
    }
    if count(&[
        b"invoke-",
        b"new-object",
        b"$env:",
        b"-executionpolicy",
        b"[system.",
        b"param(",
        b"write-host",
        b"get-item",
    ]) >= 2
    {
        return script("text/x-powershell", "powershell", "PowerShell");
    }
    if count(&[
        b"createobject(",
        b"wscript.",
        b"dim ",
        b"end sub",
        b"end function",
        b"on error resume next",
    ]) >= 2
    {
        return script("text/vbscript", "vbscript", "VBScript");
    }
    if count(&[
        b"function(",
        b"function ",
        b"var ",
        b"eval(",
        b"document.",
        b"activexobject",
        b"=>",
        b"const ",
    ]) >= 3
    {
        return script("application/javascript", "javascript", "JavaScript");
    }
    if count(&[b"import ", b"def ", b"self.", b"__name__", b"print("]) >= 3 {
        return script("text/x-python", "python", "Python");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        let cases: &[(&[u8], FileType, &str)] = &[
            (b"%PDF-1.7\n...", FileType::Pdf, "application/pdf"),
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
                FileType::Ole2,
                "application/x-ole-storage",
            ),
            (
                b"PK\x03\x04....[Content_Types].xml...word/document.xml",
                FileType::Ooxml,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (b"PK\x03\x04....hello.txt", FileType::Zip, "application/zip"),
            (
                b"#!/bin/sh\necho hi\n",
                FileType::Script,
                "text/x-shellscript",
            ),
            (
                b"@echo off\r\nset X=1\r\n",
                FileType::Script,
                "text/x-msdos-batch",
            ),
            (
                b"$c = New-Object Net.WebClient; Invoke-Expression $c.DownloadString('x')",
                FileType::Script,
                "text/x-powershell",
            ),
            (b"hello world\n", FileType::Text, "text/plain"),
            (
                b"\x00\x01\x02\x03binary",
                FileType::Unknown,
                "application/octet-stream",
            ),
            (
                b"MZ\x90\x00 not a pe at all, just dos",
                FileType::Unknown,
                "application/x-dosexec",
            ),
            (
                b"\xca\xfe\xba\xbe\x00\x00\x00\x34java",
                FileType::Unknown,
                "application/java-vm",
            ),
        ];
        for (bytes, file_type, mime) in cases {
            let info = detect(bytes);
            assert_eq!(
                (info.file_type, info.mime.as_str()),
                (*file_type, *mime),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(info.size, bytes.len() as u64);
        }
    }
}
