//! Aggregation: a 0–100 score and a verdict hint with the reasons behind them.

use nexus_proto::report::{AnalysisReport, FileType, Severity, VerdictHint};

/// Points each indicator adds, by severity.
fn weight(severity: Severity) -> u32 {
    match severity {
        Severity::Info => 0,
        Severity::Low => 5,
        Severity::Medium => 15,
        Severity::High => 30,
        Severity::Critical => 80,
    }
}

/// Score at or above which the hint is `malicious`.
pub const MALICIOUS_FROM: u8 = 70;
/// Score at or above which the hint is `suspicious`.
pub const SUSPICIOUS_FROM: u8 = 25;

/// Computes `(score, verdict, reasons)` from the indicators and stage outcomes in `report`.
pub fn aggregate(report: &AnalysisReport) -> (u8, VerdictHint, Vec<String>) {
    let total: u32 = report
        .indicators
        .iter()
        .map(|indicator| weight(indicator.severity))
        .sum();
    let score = u8::try_from(total.min(100)).unwrap_or(100);
    let mut reasons: Vec<String> = report
        .indicators
        .iter()
        .filter(|indicator| indicator.severity > Severity::Info)
        .map(|indicator| {
            format!("{:?}: {}", indicator.severity, indicator.description).to_lowercase()
        })
        .collect();
    let critical = report
        .indicators
        .iter()
        .any(|indicator| indicator.severity == Severity::Critical);
    // Failures of the stages that decide what a file is leave too little to call it benign.
    let key_stage_failed = report.stages.iter().any(|stage| {
        stage.error.is_some()
            && matches!(
                stage.name.as_str(),
                "validate" | "hashes" | "pe" | "elf" | "macho" | "yara"
            )
    });
    // A format parsed only partly (truncated or malformed tables) is not a clean bill of health.
    let parsed_partly = report.pe.as_ref().is_some_and(|pe| !pe.warnings.is_empty())
        || report.macho.as_ref().is_some_and(|macho| {
            macho
                .architectures
                .iter()
                .any(|arch| !arch.warnings.is_empty())
        });
    let verdict = if critical || score >= MALICIOUS_FROM {
        VerdictHint::Malicious
    } else if score >= SUSPICIOUS_FROM {
        VerdictHint::Suspicious
    } else if key_stage_failed {
        reasons.push("a key analysis stage failed, so a clean result is not conclusive".to_owned());
        VerdictHint::Unknown
    } else if parsed_partly {
        reasons.push(
            "the file is malformed or truncated, so a clean result is not conclusive".to_owned(),
        );
        VerdictHint::Unknown
    } else if report.file.file_type == FileType::Unknown {
        reasons.push("the file type is not one the engine can examine in depth".to_owned());
        VerdictHint::Unknown
    } else {
        reasons.push("no suspicious static features were found".to_owned());
        VerdictHint::Benign
    };
    (score, verdict, reasons)
}
