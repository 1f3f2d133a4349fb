//! Behavioural indicators from static features, each with a severity, a description and a MITRE
//! ATT&CK technique id. Pure functions of the report built so far; nothing is executed.
//!
//! Split by source: [`pe`] (imports, sections, headers), [`elf`], [`content`] (strings and IOCs);
//! YARA matches become indicators here.

mod content;
mod elf;
mod pe;

use nexus_proto::report::{AnalysisReport, Indicator, Severity};

pub(crate) struct Builder {
    found: Vec<Indicator>,
}

impl Builder {
    pub(crate) fn add(
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
        pe::indicators(pe, report, &mut builder);
    }
    if let Some(elf) = &report.elf {
        elf::indicators(elf, &mut builder);
    }
    content::indicators(report, &mut builder);
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
