//! The decision rule: an engine report in, an assertion (verdict and confidence) or a reason to
//! abstain out. Pure, so it is tested without a platform, and configurable under `[decision]`.
//!
//! The rule (docs/ENGINE_CLI.md repeats it for analysts):
//! 1. **Malicious** when the report's hint is `malicious` (a critical finding such as a YARA hit
//!    of a known-bad rule) or its score is at least `malicious_from`. Confidence = the score,
//!    kept within `[min_confidence, max_confidence]`.
//! 2. **Benign** when the score is at most `benign_up_to` and the hint is `benign` (the engine
//!    parsed the file fully and found nothing). Confidence = 100 − score, kept within the same
//!    bounds. With `benign_when_unknown`, a low score with the hint `unknown` (a type the
//!    engine cannot examine in depth, a partly parsed file) is benign at `min_confidence`.
//! 3. Otherwise **abstain**: no stake is put on a report that says neither.
//!
//! The confidence is revealed and scored with a proper scoring rule (docs/REPUTATION.md), so
//! `max_confidence` below 100 keeps one wrong call from costing the most a call can cost.

use anyhow::bail;
use nexus_chain::commitment::VerdictCode;
use nexus_proto::report::{AnalysisReport, VerdictHint};
use serde::Deserialize;

/// `[decision]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionRule {
    /// Score (0–100) from which a file is malicious.
    pub malicious_from: u8,
    /// Score up to which a clean report is benign.
    pub benign_up_to: u8,
    /// Lowest confidence asserted (percent).
    pub min_confidence: u8,
    /// Highest confidence asserted (percent).
    pub max_confidence: u8,
    /// Assert benign on a low score whose hint is `unknown`.
    pub benign_when_unknown: bool,
}

impl Default for DecisionRule {
    fn default() -> Self {
        Self {
            malicious_from: 70,
            benign_up_to: 10,
            min_confidence: 60,
            max_confidence: 95,
            benign_when_unknown: false,
        }
    }
}

/// What the rule decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Commit this assertion.
    Assert {
        /// The verdict.
        verdict: VerdictCode,
        /// Percent.
        confidence: u8,
    },
    /// Do not answer, and why.
    Abstain(String),
}

impl DecisionRule {
    /// The rule's own consistency, each error naming its key.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=100).contains(&self.malicious_from) {
            bail!("decision.malicious_from must be between 1 and 100");
        }
        if self.benign_up_to >= self.malicious_from {
            bail!(
                "decision.benign_up_to ({}) must be below decision.malicious_from ({})",
                self.benign_up_to,
                self.malicious_from
            );
        }
        if self.min_confidence == 0
            || self.max_confidence > 100
            || self.min_confidence > self.max_confidence
        {
            bail!(
                "decision.min_confidence and decision.max_confidence must satisfy 1 <= min <= max <= 100"
            );
        }
        Ok(())
    }

    fn bounded(&self, confidence: u8) -> u8 {
        confidence.clamp(self.min_confidence, self.max_confidence)
    }

    /// Applies the rule to `report`.
    pub fn decide(&self, report: &AnalysisReport) -> Decision {
        let score = report.score.min(100);
        if report.verdict == VerdictHint::Malicious || score >= self.malicious_from {
            return Decision::Assert {
                verdict: VerdictCode::Malicious,
                confidence: self.bounded(score),
            };
        }
        if score <= self.benign_up_to {
            match report.verdict {
                VerdictHint::Benign => {
                    return Decision::Assert {
                        verdict: VerdictCode::Benign,
                        confidence: self.bounded(100 - score),
                    };
                }
                VerdictHint::Unknown if self.benign_when_unknown => {
                    return Decision::Assert {
                        verdict: VerdictCode::Benign,
                        confidence: self.min_confidence,
                    };
                }
                _ => {}
            }
        }
        Decision::Abstain(format!(
            "score {score} with hint {:?} is neither malicious (>= {}) nor clean (<= {} and benign)",
            report.verdict, self.malicious_from, self.benign_up_to
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(score: u8, verdict: VerdictHint) -> AnalysisReport {
        AnalysisReport {
            score,
            verdict,
            ..AnalysisReport::default()
        }
    }

    fn assert(verdict: VerdictCode, confidence: u8) -> Decision {
        Decision::Assert {
            verdict,
            confidence,
        }
    }

    #[test]
    fn high_scores_and_critical_hints_are_malicious_with_bounded_confidence() {
        let rule = DecisionRule::default();
        assert_eq!(
            rule.decide(&report(80, VerdictHint::Malicious)),
            assert(VerdictCode::Malicious, 80)
        );
        assert_eq!(
            rule.decide(&report(100, VerdictHint::Malicious)),
            assert(VerdictCode::Malicious, 95)
        );
        // A critical finding makes the hint malicious below the threshold: floor confidence.
        assert_eq!(
            rule.decide(&report(30, VerdictHint::Malicious)),
            assert(VerdictCode::Malicious, 60)
        );
        assert_eq!(
            rule.decide(&report(70, VerdictHint::Suspicious)),
            assert(VerdictCode::Malicious, 70)
        );
    }

    #[test]
    fn clean_reports_are_benign_and_the_middle_abstains() {
        let rule = DecisionRule::default();
        assert_eq!(
            rule.decide(&report(0, VerdictHint::Benign)),
            assert(VerdictCode::Benign, 95)
        );
        assert_eq!(
            rule.decide(&report(10, VerdictHint::Benign)),
            assert(VerdictCode::Benign, 90)
        );
        assert!(matches!(
            rule.decide(&report(11, VerdictHint::Benign)),
            Decision::Abstain(_)
        ));
        assert!(matches!(
            rule.decide(&report(40, VerdictHint::Suspicious)),
            Decision::Abstain(_)
        ));
        assert!(matches!(
            rule.decide(&report(0, VerdictHint::Unknown)),
            Decision::Abstain(_)
        ));
        let lenient = DecisionRule {
            benign_when_unknown: true,
            ..DecisionRule::default()
        };
        assert_eq!(
            lenient.decide(&report(0, VerdictHint::Unknown)),
            assert(VerdictCode::Benign, 60)
        );
    }

    #[test]
    fn the_thresholds_are_configurable() {
        let strict = DecisionRule {
            malicious_from: 90,
            benign_up_to: 50,
            min_confidence: 10,
            max_confidence: 100,
            benign_when_unknown: false,
        };
        assert_eq!(
            strict.decide(&report(45, VerdictHint::Benign)),
            assert(VerdictCode::Benign, 55)
        );
        assert!(matches!(
            strict.decide(&report(80, VerdictHint::Suspicious)),
            Decision::Abstain(_)
        ));
    }

    #[test]
    fn inconsistent_rules_are_refused() {
        for rule in [
            DecisionRule {
                malicious_from: 0,
                ..DecisionRule::default()
            },
            DecisionRule {
                benign_up_to: 70,
                ..DecisionRule::default()
            },
            DecisionRule {
                min_confidence: 0,
                ..DecisionRule::default()
            },
            DecisionRule {
                min_confidence: 96,
                ..DecisionRule::default()
            },
            DecisionRule {
                max_confidence: 101,
                ..DecisionRule::default()
            },
        ] {
            assert!(rule.validate().is_err(), "{rule:?}");
        }
        assert!(DecisionRule::default().validate().is_ok());
    }
}
