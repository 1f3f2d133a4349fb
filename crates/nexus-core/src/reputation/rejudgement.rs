//! Re-judgement: a bounty's outcome changes after settlement (a dispute decision, new evidence
//! after 30 or 90 days), and every assertion on it is re-scored.

use super::assertion::SettledAssertion;
use super::scoring::{Contribution, contribution};
use crate::ChainAddress;
use crate::settlement::Outcome;

/// How one assertion's contribution changes when its bounty's outcome changes: what the
/// service writes to the analyst's history, with the reason.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContributionChange {
    /// The analyst.
    pub analyst: ChainAddress,
    /// The bounty.
    pub bounty_id: u64,
    /// The outcome the assertion was scored under.
    pub old_outcome: Outcome,
    /// The outcome it is scored under now.
    pub new_outcome: Outcome,
    /// The contribution before.
    pub old: Contribution,
    /// The contribution after.
    pub new: Contribution,
    /// `new.points - old.points`: positive when the analyst turns out right, negative when the
    /// analyst turns out wrong. Undecayed: the aggregate applies the decay of the original
    /// settlement time, which re-judgement does not change.
    pub delta_points: f64,
}

/// The changes to every assertion in `assertions` (each scored under its own recorded outcome)
/// when their bounty's outcome becomes `new_outcome`. Assertions whose outcome already is
/// `new_outcome` are left out, so applying the same re-judgement twice changes nothing.
pub fn rejudge(assertions: &[SettledAssertion], new_outcome: Outcome) -> Vec<ContributionChange> {
    assertions
        .iter()
        .filter(|assertion| assertion.outcome != new_outcome)
        .map(|assertion| {
            let old = contribution(assertion);
            let rejudged = SettledAssertion {
                outcome: new_outcome,
                ..assertion.clone()
            };
            let new = contribution(&rejudged);
            ContributionChange {
                analyst: assertion.analyst,
                bounty_id: assertion.bounty_id,
                old_outcome: assertion.outcome,
                new_outcome,
                old,
                new,
                delta_points: new.points - old.points,
            }
        })
        .collect()
}
