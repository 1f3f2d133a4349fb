//! Indicators from PE imports, sections and headers.

use chrono::Utc;
use nexus_proto::report::{AnalysisReport, PeReport, Severity};

use super::Builder;

/// Packer section names seen in the wild, lower-case.
const PACKER_SECTIONS: &[&str] = &[
    "upx0", "upx1", "upx2", ".upx", ".aspack", ".adata", ".mpress1", ".mpress2", ".themida",
    ".vmp0", ".vmp1", ".petite", ".nsp0", ".nsp1", ".packed", ".enigma1", ".perplex", "pec2",
    ".yp",
];

/// Entropy above which executable code is almost certainly compressed or encrypted.
const HIGH_ENTROPY: f64 = 7.2;
/// Imported function names, lower-case, with A/W/Ex suffix variants kept as imported.
fn imported(pe: &PeReport) -> Vec<String> {
    pe.imports
        .iter()
        .flat_map(|library| library.functions.iter())
        .filter_map(|function| function.name.as_deref())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Which of `wanted` are imported (matching `name`, `nameA`, `nameW`, `nameEx`, `nameExA/W`).
fn any_of(names: &[String], wanted: &[&str]) -> Vec<String> {
    wanted
        .iter()
        .filter(|want| {
            let want = want.to_ascii_lowercase();
            names.iter().any(|name| {
                name == &want
                    || name
                        .strip_prefix(want.as_str())
                        .is_some_and(|rest| matches!(rest, "a" | "w" | "ex" | "exa" | "exw"))
            })
        })
        .map(|want| (*want).to_owned())
        .collect()
}

pub(super) fn indicators(pe: &PeReport, report: &AnalysisReport, builder: &mut Builder) {
    let names = imported(pe);
    let alloc = any_of(
        &names,
        &["VirtualAllocEx", "NtAllocateVirtualMemory", "MapViewOfFile"],
    );
    let write = any_of(&names, &["WriteProcessMemory", "NtWriteVirtualMemory"]);
    let run = any_of(
        &names,
        &[
            "CreateRemoteThread",
            "NtCreateThreadEx",
            "RtlCreateUserThread",
            "QueueUserAPC",
            "SetThreadContext",
        ],
    );
    if !alloc.is_empty() && !write.is_empty() && !run.is_empty() {
        builder.add(
            "process_injection_imports",
            Severity::High,
            Some("T1055"),
            "Imports the allocate / write / execute set used to inject code into another process",
            [alloc, write, run].concat(),
        );
    }
    let unmap = any_of(&names, &["NtUnmapViewOfSection", "ZwUnmapViewOfSection"]);
    let context = any_of(&names, &["SetThreadContext", "Wow64SetThreadContext"]);
    if !unmap.is_empty() && !context.is_empty() {
        builder.add(
            "process_hollowing_imports",
            Severity::High,
            Some("T1055.012"),
            "Imports used for process hollowing (unmap a section, then redirect a thread)",
            [unmap, context].concat(),
        );
    }
    let debug = any_of(
        &names,
        &[
            "IsDebuggerPresent",
            "CheckRemoteDebuggerPresent",
            "NtQueryInformationProcess",
            "OutputDebugString",
            "NtSetInformationThread",
        ],
    );
    if !debug.is_empty() {
        builder.add(
            "anti_debugging_imports",
            Severity::Low,
            Some("T1622"),
            "Imports functions used to detect a debugger",
            debug,
        );
    }
    let hooks = any_of(&names, &["SetWindowsHookEx"]);
    let keys = any_of(
        &names,
        &[
            "GetAsyncKeyState",
            "GetKeyboardState",
            "GetKeyState",
            "GetRawInputData",
        ],
    );
    if !hooks.is_empty() && !keys.is_empty() {
        builder.add(
            "keylogging_imports",
            Severity::Medium,
            Some("T1056.001"),
            "Installs window hooks and polls keyboard state, as keyloggers do",
            [hooks, keys].concat(),
        );
    }
    let service = any_of(&names, &["CreateService", "ChangeServiceConfig"]);
    if !service.is_empty() {
        builder.add(
            "service_persistence_imports",
            Severity::Medium,
            Some("T1543.003"),
            "Can create or change Windows services",
            service,
        );
    }
    let registry = any_of(&names, &["RegSetValue", "RegCreateKey"]);
    let run_keys: Vec<String> = report
        .iocs
        .registry_keys
        .iter()
        .filter(|key| {
            let key = key.to_ascii_lowercase();
            key.contains("\\currentversion\\run") || key.contains("\\winlogon")
        })
        .cloned()
        .collect();
    if !registry.is_empty() && !run_keys.is_empty() {
        builder.add(
            "registry_run_key_persistence",
            Severity::Medium,
            Some("T1547.001"),
            "Writes the registry and names an autostart (Run/Winlogon) key",
            [registry, run_keys].concat(),
        );
    }
    let download = any_of(
        &names,
        &[
            "URLDownloadToFile",
            "InternetReadFile",
            "WinHttpReadData",
            "HttpSendRequest",
        ],
    );
    if !download.is_empty() {
        builder.add(
            "network_download_imports",
            Severity::Low,
            Some("T1105"),
            "Imports HTTP download functions",
            download,
        );
    }
    let sockets = any_of(
        &names,
        &[
            "WSAStartup",
            "socket",
            "connect",
            "InternetOpen",
            "WinHttpOpen",
            "send",
            "recv",
        ],
    );
    if !sockets.is_empty() {
        builder.add(
            "networking_imports",
            Severity::Info,
            Some("T1071"),
            "Uses network APIs",
            sockets,
        );
    }
    let crypto = any_of(
        &names,
        &[
            "CryptEncrypt",
            "CryptAcquireContext",
            "CryptGenKey",
            "BCryptEncrypt",
            "CryptImportKey",
        ],
    );
    let enumerate = any_of(&names, &["FindFirstFile", "FindNextFile"]);
    if !crypto.is_empty()
        && !enumerate.is_empty()
        && crypto.iter().any(|name| name.contains("Encrypt"))
    {
        builder.add(
            "file_encryption_imports",
            Severity::Medium,
            Some("T1486"),
            "Enumerates files and encrypts data, the core loop of ransomware",
            [crypto, enumerate].concat(),
        );
    } else if !crypto.is_empty() {
        builder.add(
            "crypto_imports",
            Severity::Info,
            Some("T1027"),
            "Uses Windows cryptography APIs",
            crypto,
        );
    }

    let packer_sections: Vec<String> = pe
        .sections
        .iter()
        .filter(|section| PACKER_SECTIONS.contains(&section.name.to_ascii_lowercase().as_str()))
        .map(|section| section.name.clone())
        .collect();
    if !packer_sections.is_empty() {
        builder.add(
            "packer_sections",
            Severity::Medium,
            Some("T1027.002"),
            "Section names of a known packer (UPX, ASPack, MPRESS, Themida, VMProtect, ...)",
            packer_sections,
        );
    }
    let dense_code: Vec<String> = pe
        .sections
        .iter()
        .filter(|section| {
            section
                .characteristics
                .iter()
                .any(|flag| flag == "mem_execute")
                && section.entropy > HIGH_ENTROPY
        })
        .map(|section| format!("{} entropy {:.2}", section.name, section.entropy))
        .collect();
    if !dense_code.is_empty() {
        builder.add(
            "high_entropy_executable_section",
            Severity::Medium,
            Some("T1027.002"),
            "Executable section with near-random content (packed or encrypted code)",
            dense_code,
        );
    }
    let import_count: usize = pe
        .imports
        .iter()
        .map(|library| library.functions.len())
        .sum();
    if !pe.is_dotnet && import_count > 0 && import_count <= 5 {
        builder.add(
            "tiny_import_table",
            Severity::Low,
            Some("T1027.002"),
            "Very few imports, typical of packed executables that resolve APIs at run time",
            vec![format!("{import_count} imported functions")],
        );
    } else if !pe.is_dotnet && import_count == 0 && !pe.is_dll {
        builder.add(
            "no_imports",
            Severity::Low,
            Some("T1027.002"),
            "An executable with no import table resolves everything at run time",
            Vec::new(),
        );
    }
    let writable_code: Vec<String> = pe
        .sections
        .iter()
        .filter(|section| {
            section
                .characteristics
                .iter()
                .any(|flag| flag == "mem_execute")
                && section
                    .characteristics
                    .iter()
                    .any(|flag| flag == "mem_write")
        })
        .map(|section| section.name.clone())
        .collect();
    if !writable_code.is_empty() {
        builder.add(
            "writable_executable_section",
            Severity::Medium,
            Some("T1027"),
            "Section is both writable and executable (self-modifying or unpacking code)",
            writable_code,
        );
    }
    if !pe.tls_callbacks.is_empty() {
        builder.add(
            "tls_callbacks",
            Severity::Low,
            Some("T1055.005"),
            "TLS callbacks run code before the entry point",
            pe.tls_callbacks
                .iter()
                .map(|address| format!("{address:#x}"))
                .collect(),
        );
    }
    if let Some(compile_time) = &pe.compile_time
        && i64::from(pe.timestamp) > Utc::now().timestamp() + 86_400
    {
        builder.add(
            "future_timestamp",
            Severity::Low,
            Some("T1070.006"),
            "Compile timestamp lies in the future (forged or a reproducible-build hash)",
            vec![compile_time.clone()],
        );
    }
    if pe.checksum.mismatch {
        builder.add(
            "checksum_mismatch",
            Severity::Low,
            Some("T1554"),
            "Stated PE checksum differs from the computed one (modified after linking)",
            vec![format!(
                "stated {:#x}, computed {:#x}",
                pe.checksum.stated, pe.checksum.computed
            )],
        );
    }
    if let Some(overlay) = &pe.overlay {
        let is_signature = pe.signature.as_ref().is_some_and(|signature| {
            signature.offset == overlay.offset && signature.size == overlay.size
        });
        if !is_signature {
            let severity = if overlay.entropy > HIGH_ENTROPY && overlay.size > 4096 {
                Severity::Medium
            } else {
                Severity::Low
            };
            builder.add(
                "overlay",
                severity,
                Some("T1027.009"),
                "Data appended after the image (payloads and configurations hide there)",
                vec![format!(
                    "{} bytes at {:#x}, entropy {:.2}",
                    overlay.size, overlay.offset, overlay.entropy
                )],
            );
        }
    }
    if let Some(signature) = &pe.signature {
        builder.add(
            "authenticode_signature",
            Severity::Info,
            None,
            "Carries an Authenticode signature (not verified here)",
            signature
                .certificates
                .iter()
                .map(|certificate| certificate.subject.clone())
                .take(4)
                .collect(),
        );
    }
}
