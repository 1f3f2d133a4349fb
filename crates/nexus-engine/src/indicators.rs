//! Behavioural indicators from static features, each with a severity, a description and a MITRE
//! ATT&CK technique id. Pure functions of the report built so far; nothing is executed.

use chrono::Utc;
use nexus_proto::report::{AnalysisReport, ElfReport, Indicator, PeReport, Severity};

/// Packer section names seen in the wild, lower-case.
const PACKER_SECTIONS: &[&str] = &[
    "upx0", "upx1", "upx2", ".upx", ".aspack", ".adata", ".mpress1", ".mpress2", ".themida",
    ".vmp0", ".vmp1", ".petite", ".nsp0", ".nsp1", ".packed", ".enigma1", ".perplex", "pec2",
    ".yp",
];

/// Entropy above which executable code is almost certainly compressed or encrypted.
const HIGH_ENTROPY: f64 = 7.2;

struct Builder {
    found: Vec<Indicator>,
}

impl Builder {
    fn add(
        &mut self,
        id: &str,
        severity: Severity,
        technique: Option<&str>,
        description: &str,
        evidence: Vec<String>,
    ) {
        self.found.push(Indicator {
            id: id.to_owned(),
            severity,
            description: description.to_owned(),
            mitre_attack: technique.map(str::to_owned),
            evidence,
        });
    }
}

/// Derives indicators from `report` (format parts, IOCs, YARA matches).
pub fn derive(report: &AnalysisReport) -> Vec<Indicator> {
    let mut builder = Builder { found: Vec::new() };
    if let Some(pe) = &report.pe {
        pe_indicators(pe, report, &mut builder);
    }
    if let Some(elf) = &report.elf {
        elf_indicators(elf, &mut builder);
    }
    content_indicators(report, &mut builder);
    for hit in &report.yara {
        let severity = match hit
            .metadata
            .get("severity")
            .and_then(|value| value.as_str())
        {
            Some("critical") => Severity::Critical,
            Some("high") => Severity::High,
            Some("low") => Severity::Low,
            Some("info") => Severity::Info,
            _ => Severity::Medium,
        };
        let technique = ["mitre_attack", "mitre_att&ck", "mitre", "attack"]
            .iter()
            .find_map(|key| hit.metadata.get(*key).and_then(|value| value.as_str()))
            .filter(|technique| !technique.is_empty());
        let description = hit
            .metadata
            .get("description")
            .and_then(|value| value.as_str())
            .map_or_else(
                || format!("YARA rule {}:{} matched", hit.namespace, hit.rule),
                |text| format!("YARA {}: {text}", hit.rule),
            );
        builder.add(
            &format!("yara_{}", hit.rule),
            severity,
            technique,
            &description,
            vec![format!("{}:{}", hit.namespace, hit.rule)],
        );
    }
    builder.found.sort_by(|left, right| {
        right
            .severity
            .cmp(&left.severity)
            .then_with(|| left.id.cmp(&right.id))
    });
    builder.found
}

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

fn pe_indicators(pe: &PeReport, report: &AnalysisReport, builder: &mut Builder) {
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

fn elf_indicators(elf: &ElfReport, builder: &mut Builder) {
    let names: Vec<String> = elf
        .imported_symbols
        .iter()
        .map(|symbol| symbol.name.clone())
        .collect();
    let has = |wanted: &[&str]| -> Vec<String> {
        wanted
            .iter()
            .filter(|want| names.iter().any(|name| name == *want))
            .map(|want| (*want).to_owned())
            .collect()
    };
    let debug = has(&["ptrace"]);
    if !debug.is_empty() {
        builder.add(
            "elf_ptrace",
            Severity::Low,
            Some("T1622"),
            "Uses ptrace (anti-debugging or injection)",
            debug,
        );
    }
    let network = has(&[
        "socket",
        "connect",
        "bind",
        "listen",
        "accept",
        "getaddrinfo",
    ]);
    if !network.is_empty() {
        builder.add(
            "elf_networking",
            Severity::Info,
            Some("T1071"),
            "Uses network sockets",
            network,
        );
    }
    if !elf.hardening.nx && elf.elf_type != "rel" && !elf.segments.is_empty() {
        builder.add(
            "elf_executable_stack",
            Severity::Low,
            Some("T1027"),
            "Stack is executable (no non-executable PT_GNU_STACK)",
            Vec::new(),
        );
    }
    let writable_code: Vec<String> = elf
        .segments
        .iter()
        .filter(|segment| {
            segment.segment_type == "load"
                && segment.flags.contains('w')
                && segment.flags.contains('x')
        })
        .map(|segment| format!("load at {:#x}", segment.virtual_address))
        .collect();
    if !writable_code.is_empty() {
        builder.add(
            "writable_executable_segment",
            Severity::Medium,
            Some("T1027"),
            "Loadable segment is both writable and executable",
            writable_code,
        );
    }
    if elf.sections.is_empty() && !elf.segments.is_empty() {
        builder.add(
            "elf_no_section_headers",
            Severity::Low,
            Some("T1027"),
            "No section headers (stripped hard or packed)",
            Vec::new(),
        );
    }
}

fn content_indicators(report: &AnalysisReport, builder: &mut Builder) {
    let iocs = &report.iocs;
    if !iocs.btc_addresses.is_empty() || !iocs.eth_addresses.is_empty() {
        builder.add(
            "cryptocurrency_wallet",
            Severity::Low,
            Some("T1496"),
            "Contains cryptocurrency wallet addresses (ransom notes, miners, clippers)",
            iocs.btc_addresses
                .iter()
                .chain(&iocs.eth_addresses)
                .take(8)
                .cloned()
                .collect(),
        );
    }
    if !iocs.urls.is_empty() {
        builder.add(
            "embedded_urls",
            Severity::Info,
            Some("T1071.001"),
            "Contains URLs",
            iocs.urls.iter().take(8).cloned().collect(),
        );
    }
    let autostart: Vec<String> = iocs
        .file_paths
        .iter()
        .chain(&iocs.registry_keys)
        .filter(|path| {
            let path = path.to_ascii_lowercase();
            path.contains("\\start menu\\programs\\startup")
                || path.starts_with("/etc/cron")
                || path.starts_with("/etc/rc.local")
                || path.starts_with("/etc/systemd/system")
                || path.contains("launchagents")
                || path.contains("launchdaemons")
        })
        .take(8)
        .cloned()
        .collect();
    if !autostart.is_empty() {
        builder.add(
            "autostart_locations",
            Severity::Medium,
            Some("T1547"),
            "Names autostart locations (startup folder, cron, systemd, launch agents)",
            autostart,
        );
    }
    let encoded_powershell = report
        .strings
        .items
        .iter()
        .filter(|item| {
            let value = item.value.to_ascii_lowercase();
            value.contains("powershell")
                && (value.contains(" -enc")
                    || value.contains(" -e ")
                    || value.contains("frombase64string"))
        })
        .take(4)
        .map(|item| item.value.chars().take(200).collect())
        .collect::<Vec<String>>();
    if !encoded_powershell.is_empty() {
        builder.add(
            "encoded_powershell",
            Severity::High,
            Some("T1059.001"),
            "Runs base64-encoded PowerShell",
            encoded_powershell,
        );
    }
}
