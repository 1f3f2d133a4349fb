//! Human-readable rendering of a report.

use std::io::Write;
use std::path::Path;

use nexus_proto::report::AnalysisReport;

/// Writes a summary of `report` for `path`.
pub fn render(out: &mut impl Write, path: &Path, report: &AnalysisReport) -> std::io::Result<()> {
    let rule = "─".repeat(78);
    writeln!(out, "{rule}")?;
    writeln!(out, "{}", path.display())?;
    writeln!(out, "{rule}")?;
    let verdict = format!("{:?}", report.verdict).to_lowercase();
    row(
        out,
        "verdict",
        &format!("{verdict} (score {}/100)", report.score),
    )?;
    row(
        out,
        "type",
        &format!(
            "{} — {} ({} bytes)",
            report.file.description, report.file.mime, report.file.size
        ),
    )?;
    row(out, "md5", &report.hashes.md5)?;
    row(out, "sha1", &report.hashes.sha1)?;
    row(out, "sha256", &report.hashes.sha256)?;
    row(
        out,
        "ssdeep",
        report.hashes.ssdeep.as_deref().unwrap_or("-"),
    )?;
    row(out, "tlsh", report.hashes.tlsh.as_deref().unwrap_or("-"))?;
    if let Some(imphash) = &report.hashes.imphash {
        row(out, "imphash", imphash)?;
    }
    row(out, "entropy", &format!("{:.4}", report.entropy))?;
    if let Some(pe) = &report.pe {
        row(
            out,
            "pe",
            &format!(
                "{} {} subsystem {}, entry {:#x}, image base {:#x}",
                pe.machine,
                if pe.is_dll { "DLL" } else { "EXE" },
                pe.subsystem,
                pe.entry_point,
                pe.image_base
            ),
        )?;
        row(out, "compiled", pe.compile_time.as_deref().unwrap_or("-"))?;
        let imports: usize = pe
            .imports
            .iter()
            .map(|library| library.functions.len())
            .sum();
        row(
            out,
            "imports",
            &format!(
                "{imports} functions from {} libraries, {} exports, {} resources",
                pe.imports.len(),
                pe.exports.len(),
                pe.resources.len()
            ),
        )?;
        for section in &pe.sections {
            row(
                out,
                "  section",
                &format!(
                    "{:<10} va {:#010x} vsize {:>8} raw {:>8} entropy {:.2}",
                    section.name,
                    section.virtual_address,
                    section.virtual_size,
                    section.raw_size,
                    section.entropy
                ),
            )?;
        }
        if let Some(product) = pe.version_info.get("ProductName") {
            row(out, "product", product)?;
        }
        if let Some(signature) = &pe.signature {
            for certificate in signature.certificates.iter().take(4) {
                row(out, "  signer", &certificate.subject)?;
            }
        }
    }
    if let Some(elf) = &report.elf {
        row(
            out,
            "elf",
            &format!(
                "{} {} {} {}, entry {:#x}",
                elf.class, elf.endianness, elf.elf_type, elf.machine, elf.entry_point
            ),
        )?;
        row(out, "needed", &elf.needed.join(", "))?;
        let hardening = &elf.hardening;
        row(
            out,
            "hardening",
            &format!(
                "nx {} pie {} relro {} canary {} fortify {}",
                hardening.nx,
                hardening.pie,
                hardening.relro,
                hardening.stack_canary,
                hardening.fortify
            ),
        )?;
    }
    if let Some(macho) = &report.macho {
        for arch in &macho.architectures {
            row(
                out,
                "mach-o",
                &format!(
                    "{} {} at {:#x}, {} load commands, {} dylibs, signed {}",
                    arch.cpu_type,
                    arch.file_type,
                    arch.offset,
                    arch.load_commands.len(),
                    arch.dylibs.len(),
                    arch.code_signature
                ),
            )?;
        }
    }
    row(out, "strings", &format!("{} found", report.strings.total))?;
    let iocs = &report.iocs;
    for (label, values) in [
        ("urls", &iocs.urls),
        ("domains", &iocs.domains),
        ("ipv4", &iocs.ipv4),
        ("ipv6", &iocs.ipv6),
        ("emails", &iocs.emails),
        ("btc", &iocs.btc_addresses),
        ("eth", &iocs.eth_addresses),
        ("registry", &iocs.registry_keys),
        ("paths", &iocs.file_paths),
    ] {
        if !values.is_empty() {
            let shown: Vec<&str> = values.iter().take(5).map(String::as_str).collect();
            let more = if values.len() > 5 {
                format!(" (+{} more)", values.len() - 5)
            } else {
                String::new()
            };
            row(out, label, &format!("{}{more}", shown.join(", ")))?;
        }
    }
    for hit in &report.yara {
        row(out, "yara", &format!("{}:{}", hit.namespace, hit.rule))?;
    }
    for indicator in &report.indicators {
        let technique = indicator.mitre_attack.as_deref().unwrap_or("-");
        row(
            out,
            "indicator",
            &format!(
                "[{:?}] {} ({technique})",
                indicator.severity, indicator.description
            )
            .to_lowercase(),
        )?;
    }
    for stage in report.stages.iter().filter(|stage| stage.error.is_some()) {
        row(
            out,
            "stage error",
            &format!(
                "{}: {}",
                stage.name,
                stage.error.as_deref().unwrap_or_default()
            ),
        )?;
    }
    let total_ms: f64 = report.stages.iter().map(|stage| stage.ms).sum();
    row(out, "time", &format!("{total_ms:.1} ms"))?;
    writeln!(out)
}

fn row(out: &mut impl Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "{label:>12}  {value}")
}
