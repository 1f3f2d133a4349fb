//! An analyst's reputation: their settled assertions' decayed contributions summed overall, per
//! (artifact kind, file type) and per malware family.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::assertion::{Category, SettledAssertion};
use super::scoring::{Contribution, contribution, decay};
use crate::ChainAddress;

/// Pseudo-weight of the prior in [`AnalystScore::skill`]: five unit-stake assertions at skill 0.
/// One lucky answer does not make an expert; by fifty assertions the prior is a tenth of the
/// weight or less.
pub const PRIOR_WEIGHT: f64 = 5.0;

/// A sum of decayed contributions, with its counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalystScore {
    /// Assertions settled with a valid outcome (invalid outcomes are not counted).
    pub settled: u64,
    /// Of those, the ones whose verdict was right.
    pub right: u64,
    /// Reputation points: the sum of `decay * stake weight * Brier skill`. The leaderboard number.
    pub points: f64,
    /// The sum of `decay * stake weight`: how much recent, staked work the points rest on.
    pub weight: f64,
}

impl AnalystScore {
    /// Adds one assertion's contribution, decayed by `decay_factor` (in `[0, 1]`).
    pub fn add(&mut self, contribution: &Contribution, decay_factor: f64) {
        let Some(right) = contribution.right else {
            return;
        };
        self.settled += 1;
        self.right += u64::from(right);
        self.points += decay_factor * contribution.points;
        self.weight += decay_factor * contribution.weight;
    }

    /// Average skill per unit of weight, shrunk towards 0 (a coin flip) by [`PRIOR_WEIGHT`]:
    /// `points / (weight + PRIOR_WEIGHT)`, in `[-3, 1]`. For a calibrated analyst who is right a
    /// fraction `a` of the time it tends to `1 - 4 a (1 - a)`: 0.64 at 90 %, 0.36 at 80 %.
    pub fn skill(&self) -> f64 {
        self.points / (self.weight + PRIOR_WEIGHT)
    }

    /// The fraction of settled assertions that were right (not decayed), 0 with none.
    pub fn accuracy(&self) -> f64 {
        if self.settled == 0 {
            0.0
        } else {
            self.right as f64 / self.settled as f64
        }
    }
}

/// An analyst's reputation at one instant: overall and broken down.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reputation {
    /// Every settled assertion.
    pub overall: AnalystScore,
    /// Per (artifact kind, file type).
    pub by_category: HashMap<Category, AnalystScore>,
    /// Per malware family tag, for assertions that named one.
    pub by_family: BTreeMap<String, AnalystScore>,
}

impl Reputation {
    /// Adds one settled assertion as seen at `now` (Unix seconds).
    pub fn add(&mut self, assertion: &SettledAssertion, now: u64) {
        let contribution = contribution(assertion);
        let decay_factor = decay(assertion.settled_at, now);
        self.overall.add(&contribution, decay_factor);
        self.by_category
            .entry(assertion.category())
            .or_default()
            .add(&contribution, decay_factor);
        if let Some(family) = &assertion.family {
            self.by_family
                .entry(family.clone())
                .or_default()
                .add(&contribution, decay_factor);
        }
    }

    /// The score for one category (zero when the analyst has none there).
    pub fn for_category(&self, category: Category) -> AnalystScore {
        self.by_category.get(&category).copied().unwrap_or_default()
    }
}

/// The reputation built from `assertions` (one analyst's, or anyone's: the analyst field is not
/// checked) as seen at `now`.
pub fn reputation<'a>(
    assertions: impl IntoIterator<Item = &'a SettledAssertion>,
    now: u64,
) -> Reputation {
    let mut reputation = Reputation::default();
    for assertion in assertions {
        reputation.add(assertion, now);
    }
    reputation
}

/// Every analyst's reputation from a mixed list of settled assertions, as seen at `now`.
pub fn reputations<'a>(
    assertions: impl IntoIterator<Item = &'a SettledAssertion>,
    now: u64,
) -> HashMap<ChainAddress, Reputation> {
    let mut by_analyst: HashMap<ChainAddress, Reputation> = HashMap::new();
    for assertion in assertions {
        by_analyst
            .entry(assertion.analyst)
            .or_default()
            .add(assertion, now);
    }
    by_analyst
}
