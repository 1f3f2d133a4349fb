//! The score of one settled assertion: a proper scoring rule on the revealed confidence, weighted
//! by stake, and its decay with age. The formulas and the reasons for each constant are in
//! `docs/REPUTATION.md`.

use super::assertion::SettledAssertion;

/// One NXS in wei: the unit stake weights are measured in.
pub const STAKE_UNIT_WEI: u128 = 1_000_000_000_000_000_000;

/// Half-life of an assertion's weight: 90 days. A quarter's work counts half as much as today's;
/// a year-old assertion counts 1/16. Long enough that a month off does not erase anyone, short
/// enough that a year-old record cannot carry an analyst who has stopped being right.
pub const HALF_LIFE_SECONDS: u64 = 90 * 24 * 60 * 60;

/// The Brier skill of a verdict given with `probability` (the analyst's probability, in
/// `[0.5, 1]`, that the verdict is right; see `Confidence::probability`) when it turned out
/// `right` or not: `1 - 4 (1 - q)^2`, where `q` is the probability given to what happened.
///
/// An affine rescaling of the Brier score, so still proper: an analyst maximises their expected
/// score only by revealing what they believe. Certain and right scores 1, a coin flip 0, certain
/// and wrong -3. A right answer never scores below 0 and a wrong one never above 0.
/// `probability` is clamped into `[0.5, 1]` (and a NaN read as 0.5), so the result is always finite.
pub fn brier_skill(probability: f64, right: bool) -> f64 {
    let probability = if probability.is_nan() {
        0.5
    } else {
        probability.clamp(0.5, 1.0)
    };
    let given_to_outcome = if right {
        probability
    } else {
        1.0 - probability
    };
    1.0 - 4.0 * (1.0 - given_to_outcome).powi(2)
}

/// The weight a stake gives an assertion: `1 + ln(1 + stake / 1 NXS)`.
///
/// At least 1 (an unstaked assertion still counts), increasing (more stake, more weight) and
/// concave (diminishing returns: a whale staking a thousand times more gains about eight times
/// the weight, not a thousand), so reputation cannot simply be bought.
pub fn stake_weight(stake_wei: u128) -> f64 {
    1.0 + (stake_wei as f64 / STAKE_UNIT_WEI as f64).ln_1p()
}

/// How much an assertion settled at `settled_at` still counts at `now` (both Unix seconds):
/// `2^(-age / HALF_LIFE_SECONDS)`, in `(0, 1]` (it may underflow to 0 after centuries). A
/// settlement time after `now` has age 0.
pub fn decay(settled_at: u64, now: u64) -> f64 {
    let age_seconds = now.saturating_sub(settled_at);
    (-(age_seconds as f64) / HALF_LIFE_SECONDS as f64).exp2()
}

/// What one settled assertion adds to its analyst's reputation, before decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contribution {
    /// Whether the verdict was right; `None` for an invalid outcome.
    pub right: Option<bool>,
    /// The stake weight ([`stake_weight`]); 0 for an invalid outcome, which does not count.
    pub weight: f64,
    /// `weight * brier_skill`: the reputation points, positive when right, negative when wrong.
    pub points: f64,
}

impl Contribution {
    /// Nothing: what an assertion on an invalid outcome contributes.
    pub const NONE: Contribution = Contribution {
        right: None,
        weight: 0.0,
        points: 0.0,
    };
}

/// The contribution of `assertion` under its recorded outcome.
pub fn contribution(assertion: &SettledAssertion) -> Contribution {
    match assertion.is_right() {
        None => Contribution::NONE,
        Some(right) => {
            let weight = stake_weight(assertion.stake_wei);
            Contribution {
                right: Some(right),
                weight,
                points: weight * brier_skill(assertion.confidence.probability(), right),
            }
        }
    }
}
