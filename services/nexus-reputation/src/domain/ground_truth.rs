//! The ground truth a re-judgement compares a settled bounty's outcome with, 30 and 90 days after
//! settlement (docs/REPUTATION.md, "Re-judgement"), from what the platform's APIs already hold:
//!
//! 1. **A later bounty on the same artifact** that settled with a valid outcome (the latest one):
//!    staked analysts judged it again, with more time and more knowledge. It decides either way.
//! 2. Otherwise, **a newer analysis** (finished after the bounty settled) whose engine verdict is
//!    `malicious` at a score of at least [`ANALYSIS_MIN_SCORE`]: the engine's verdict includes
//!    the current YARA rules' hits, so a rule written after the bounty (the usual retrohunt
//!    outcome) shows here. It only ever proves a file malicious: an engine that finds nothing
//!    has not shown the file benign.
//! 3. Otherwise there is no new evidence, and the outcome stands.

use chrono::{DateTime, Utc};
use nexus_core::settlement::Outcome;
use nexus_proto::analysis::FileSummary;
use nexus_proto::report::VerdictHint;

/// The least engine score at which a newer `malicious` analysis overturns a bounty's outcome.
pub const ANALYSIS_MIN_SCORE: u8 = 70;

/// What the evidence says: the outcome (none without evidence) and, for people, what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroundTruth {
    /// The outcome the evidence supports.
    pub outcome: Option<Outcome>,
    /// `later_bounty 42`, `analysis malicious 90`, or `none`.
    pub evidence: String,
}

/// The ground truth for a bounty settled at `settled_at`, from the latest `later` bounty on the
/// same artifact (its id and valid outcome) and the file's `analysis` summary (files only).
pub fn ground_truth(
    later: Option<(i64, Outcome)>,
    analysis: Option<&FileSummary>,
    settled_at: DateTime<Utc>,
) -> GroundTruth {
    if let Some((bounty_id, outcome)) = later
        && outcome != Outcome::Invalid
    {
        return GroundTruth {
            outcome: Some(outcome),
            evidence: format!("later_bounty {bounty_id}"),
        };
    }
    if let Some(summary) = analysis
        && summary.verdict == Some(VerdictHint::Malicious)
        && summary
            .score
            .is_some_and(|score| score >= ANALYSIS_MIN_SCORE)
        && summary.analysed_at.is_some_and(|at| at > settled_at)
    {
        return GroundTruth {
            outcome: Some(Outcome::Malicious),
            evidence: format!("analysis malicious {}", summary.score.unwrap_or_default()),
        };
    }
    GroundTruth {
        outcome: None,
        evidence: "none".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(verdict: VerdictHint, score: u8, at: i64) -> FileSummary {
        FileSummary {
            file_type: Some("pe".into()),
            verdict: Some(verdict),
            score: Some(score),
            family: None,
            analysed_at: DateTime::from_timestamp(at, 0),
        }
    }

    #[test]
    fn a_later_bounty_decides_then_a_newer_confident_malicious_analysis_then_nothing() {
        let settled = DateTime::from_timestamp(1_000, 0).unwrap_or_default();
        let newer = summary(VerdictHint::Malicious, 90, 2_000);
        let truth = ground_truth(Some((7, Outcome::Benign)), Some(&newer), settled);
        assert_eq!(truth.outcome, Some(Outcome::Benign));
        assert_eq!(truth.evidence, "later_bounty 7");
        let truth = ground_truth(Some((7, Outcome::Invalid)), Some(&newer), settled);
        assert_eq!(truth.outcome, Some(Outcome::Malicious));
        assert_eq!(truth.evidence, "analysis malicious 90");
        for weak in [
            summary(VerdictHint::Malicious, 90, 500),
            summary(VerdictHint::Malicious, 60, 2_000),
            summary(VerdictHint::Benign, 0, 2_000),
            summary(VerdictHint::Suspicious, 90, 2_000),
        ] {
            assert_eq!(ground_truth(None, Some(&weak), settled).outcome, None);
        }
        assert_eq!(ground_truth(None, None, settled).evidence, "none");
    }
}
