//! Pure rules of the analysis service: ruleset names, statuses, versions and similarity scores
//! (sample addresses are `nexus_core::Sha256`).
//! No I/O here, so everything is unit- and property-tested next to it.

pub mod export;
pub mod similar;
pub mod visibility;

use nexus_proto::analysis::AnalysisStatus;
use nexus_proto::report::AnalysisReport;

/// True for a ruleset name usable as a YARA namespace: `[a-z0-9_]{1,64}`.
pub fn is_ruleset_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// The final status of a finished report: `partial` when any stage failed.
pub fn status_of(report: &AnalysisReport) -> AnalysisStatus {
    if report.stages.iter().any(|stage| stage.error_code.is_some()) {
        AnalysisStatus::Partial
    } else {
        AnalysisStatus::Completed
    }
}

/// The rules version written on every analysis: engine version (built-in rules), a digest of
/// the platform rules directory and the highest user ruleset id. User rulesets are only ever
/// added, so a higher version matches a superset of a lower one's rules.
pub fn rules_version(engine_version: &str, platform_digest: &str, user_version: i64) -> String {
    format!("{engine_version}+p{platform_digest}.u{user_version}")
}

/// `namespace.rule` of every YARA match of a report.
pub fn matched_rules(report: &AnalysisReport) -> Vec<String> {
    report
        .yara
        .iter()
        .map(|hit| format!("{}.{}", hit.namespace, hit.rule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_proto::report::StageReport;
    use proptest::prelude::*;

    #[test]
    fn a_failed_stage_makes_the_report_partial() {
        let mut report = AnalysisReport::default();
        report.stages.push(StageReport {
            name: "pe".into(),
            ms: 1.0,
            error: None,
            error_code: None,
        });
        assert_eq!(status_of(&report), AnalysisStatus::Completed);
        report.stages.push(StageReport {
            name: "yara".into(),
            ms: 1.0,
            error: Some("timeout".into()),
            error_code: Some("yara_timeout".into()),
        });
        assert_eq!(status_of(&report), AnalysisStatus::Partial);
    }

    proptest! {
        #[test]
        fn ruleset_names_never_contain_separators(name in "[a-z0-9_.: -]{0,70}") {
            if is_ruleset_name(&name) {
                prop_assert!(!name.contains(['.', ':', ' ', '-']));
            }
        }
    }
}
