//! The file verdict: many revealed assertions, the analysts' reputations and the engine's hint
//! turned into one answer a user can act on. The rule is written out in `docs/REPUTATION.md`
//! ("The file verdict").

use serde::{Deserialize, Serialize};

use super::aggregate::AnalystScore;
use super::assertion::Confidence;
use super::correlation::{AgreementTable, clusters};
use crate::ChainAddress;
use crate::settlement::Verdict;

/// Largest log-odds one voice may carry: a 99 % voice. Nobody's record or claim makes them
/// infallible, so no single analyst can outvote every other.
pub const MAX_LOG_ODDS: f64 = 4.595_119_850_134_59; // ln(0.99 / 0.01)

/// Verified evidence multiplies an analyst's weight by this much.
pub const VERIFIED_EVIDENCE_MULTIPLIER: f64 = 1.5;

/// Verified evidence is worth at least a 75 % voice (`ln 3`), even from an analyst without a
/// record: the platform re-ran it and it held.
pub const VERIFIED_EVIDENCE_FLOOR_LOG_ODDS: f64 = 1.098_612_288_668_11; // ln 3

/// The engine report's hint counts as a 70 % voice at most (`ln(0.7 / 0.3)`): static analysis
/// is a useful prior, and never enough on its own (see [`DECISION_PROBABILITY`]).
pub const ENGINE_HINT_MAX_LOG_ODDS: f64 = 0.847_297_860_387_203_8;

/// A verdict is called when its probability reaches 75 %; below, the answer is unknown. The
/// engine's hint alone (at most 70 %) never calls a file: the platform's answer comes from
/// staked assertions.
pub const DECISION_PROBABILITY: f64 = 0.75;

/// The answer for a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictLabel {
    /// Malicious, with at least [`DECISION_PROBABILITY`].
    Malicious,
    /// Benign, with at least [`DECISION_PROBABILITY`].
    Benign,
    /// Not enough weight either way.
    Unknown,
}

impl VerdictLabel {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            VerdictLabel::Malicious => "malicious",
            VerdictLabel::Benign => "benign",
            VerdictLabel::Unknown => "unknown",
        }
    }
}

/// The engine report's hint (`verdict` of the analysis report): the service maps the report's
/// `suspicious` to malicious with a lower confidence, or to unknown, as it documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineHint {
    /// What the engine leans to.
    pub label: VerdictLabel,
    /// How sure it is.
    pub confidence: Confidence,
}

/// One revealed assertion on the file, with what the rule needs to weigh it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RevealedAssertion {
    /// The analyst.
    pub analyst: ChainAddress,
    /// The revealed verdict.
    pub verdict: Verdict,
    /// The revealed confidence.
    pub confidence: Confidence,
    /// The analyst's reputation for this file's (kind, file type), as seen now.
    pub reputation: AnalystScore,
    /// Whether the platform re-ran the assertion's evidence and it held.
    pub evidence_verified: bool,
}

/// How much one analyst counted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalystWeight {
    /// The analyst.
    pub analyst: ChainAddress,
    /// Log-odds from reputation, claim and evidence, before any cluster split.
    pub base_weight: f64,
    /// How many of this file's analysts share this analyst's voice (1 = independent).
    pub cluster_size: usize,
    /// `base_weight / cluster_size`: what the analyst's verdict added to the balance.
    pub effective_weight: f64,
}

/// The file verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct FileVerdict {
    /// Malicious, benign or unknown.
    pub label: VerdictLabel,
    /// The probability of the side the balance leans to, in `[0.5, 1]` (for unknown too).
    pub confidence: f64,
    /// The probability that the file is malicious.
    pub malicious_probability: f64,
    /// The engine hint's weight in the balance (log-odds, 0 without a hint).
    pub engine_weight: f64,
    /// Each assertion's weight, in input order.
    pub weights: Vec<AnalystWeight>,
}

/// Log-odds of a probability, clamped to `[0, MAX_LOG_ODDS]` (probabilities below one half, and
/// NaN, are 0).
pub fn log_odds(probability: f64) -> f64 {
    if probability.is_nan() || probability <= 0.5 {
        return 0.0;
    }
    let probability = probability.min(1.0);
    (probability / (1.0 - probability)).ln().min(MAX_LOG_ODDS)
}

/// The log-odds an analyst's record is worth: their skill `s` for this file type read as the
/// accuracy `a` of a calibrated analyst with that skill (`s = 1 - 4a(1 - a)`, so
/// `a = (1 + sqrt(s)) / 2`), as log-odds. No record, or a record no better than a coin, is 0.
pub fn reputation_log_odds(reputation: &AnalystScore) -> f64 {
    let skill = reputation.skill();
    if skill.is_nan() || skill <= 0.0 {
        return 0.0;
    }
    log_odds((1.0 + skill.min(1.0).sqrt()) / 2.0)
}

/// An assertion's weight before any cluster split: the smaller of what the record is worth and
/// what the analyst claims (trusted as much as the record shows, never more than they say), then
/// raised by verified evidence.
pub fn base_weight(assertion: &RevealedAssertion) -> f64 {
    let claim = log_odds(assertion.confidence.probability());
    let weight = reputation_log_odds(&assertion.reputation).min(claim);
    if assertion.evidence_verified {
        (weight * VERIFIED_EVIDENCE_MULTIPLIER)
            .max(VERIFIED_EVIDENCE_FLOOR_LOG_ODDS.min(claim))
            .min(MAX_LOG_ODDS)
    } else {
        weight
    }
}

/// The file verdict from the revealed `assertions` (one per analyst), the engine's `hint` and the
/// analysts' pairwise `agreement`.
///
/// Each assertion adds its [`base_weight`], divided by the size of its one-voice cluster, to the
/// side it chose; the hint adds up to [`ENGINE_HINT_MAX_LOG_ODDS`]. The balance `L` (malicious
/// minus benign, in log-odds) gives `P(malicious) = 1 / (1 + e^-L)`, and a label once either side
/// reaches [`DECISION_PROBABILITY`].
pub fn file_verdict(
    assertions: &[RevealedAssertion],
    hint: Option<EngineHint>,
    agreement: &AgreementTable,
) -> FileVerdict {
    let analysts: Vec<ChainAddress> = assertions
        .iter()
        .map(|assertion| assertion.analyst)
        .collect();
    let cluster_of = clusters(&analysts, agreement);
    // Each cluster's voice is the mean of its members' signed weights (the same as the sum of
    // `weight / size`), kept as a running mean in order of first appearance: a mean of identical
    // copies is then exactly one copy's weight, so copies cannot tip a verdict by rounding.
    let mut voices: Vec<(usize, f64, usize)> = Vec::new();
    let mut weights = Vec::with_capacity(assertions.len());
    for (assertion, (cluster, cluster_size)) in assertions.iter().zip(cluster_of) {
        let base_weight = base_weight(assertion);
        let effective_weight = base_weight / cluster_size.max(1) as f64;
        let signed_weight = match assertion.verdict {
            Verdict::Malicious => base_weight,
            Verdict::Benign => -base_weight,
        };
        match voices.iter_mut().find(|(root, _, _)| *root == cluster) {
            Some((_, mean, members)) => {
                *members += 1;
                *mean += (signed_weight - *mean) / *members as f64;
            }
            None => voices.push((cluster, signed_weight, 1)),
        }
        weights.push(AnalystWeight {
            analyst: assertion.analyst,
            base_weight,
            cluster_size,
            effective_weight,
        });
    }
    let mut balance: f64 = voices.iter().map(|(_, mean, _)| mean).sum();
    let engine_weight = hint.map_or(0.0, |hint| {
        log_odds(hint.confidence.probability()).min(ENGINE_HINT_MAX_LOG_ODDS)
    });
    balance += match hint.map(|hint| hint.label) {
        Some(VerdictLabel::Malicious) => engine_weight,
        Some(VerdictLabel::Benign) => -engine_weight,
        Some(VerdictLabel::Unknown) | None => 0.0,
    };
    let engine_weight = match hint.map(|hint| hint.label) {
        Some(VerdictLabel::Malicious | VerdictLabel::Benign) => engine_weight,
        _ => 0.0,
    };
    let malicious_probability = 1.0 / (1.0 + (-balance).exp());
    let label = if malicious_probability >= DECISION_PROBABILITY {
        VerdictLabel::Malicious
    } else if 1.0 - malicious_probability >= DECISION_PROBABILITY {
        VerdictLabel::Benign
    } else {
        VerdictLabel::Unknown
    };
    FileVerdict {
        label,
        confidence: malicious_probability.max(1.0 - malicious_probability),
        malicious_probability,
        engine_weight,
        weights,
    }
}
