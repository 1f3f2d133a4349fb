//! Each analyst's part of a resolved (or decided) bounty, for `BountyResolved` and
//! `DisputeDecided`.
//!
//! The contract's log states the outcome only; what every analyst is paid follows from the
//! bounty's terms and its assertions, by the rule `nexus_core::settlement` states (the
//! contract's twin, equal to the wei). The listener has every input from earlier logs: the reward
//! (`BountyCreated`), the fee and no-reveal slash in force when the bounty was created
//! (`ParamsUpdated`), and each assertion's stake and revealed verdict.

use nexus_core::settlement::{self, AssertionInput, SettlementError, Tally};
use nexus_proto::chain::{AnalystOutcome, AnalystSettlement, Outcome, SettlementView, Verdict};

/// One committed assertion, as the listener stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionState {
    /// The analyst.
    pub analyst: String,
    /// Committed stake, wei.
    pub stake: u128,
    /// The revealed verdict, if any.
    pub revealed: Option<Verdict>,
}

/// The terms settlement depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// Escrowed reward, wei.
    pub reward: u128,
    /// Fee in basis points, copied at creation.
    pub fee_bps: u16,
    /// Slash of an analyst who never reveals, copied at creation, wei.
    pub no_reveal_slash: u128,
}

fn core_verdict(verdict: Verdict) -> settlement::Verdict {
    match verdict {
        Verdict::Benign => settlement::Verdict::Benign,
        Verdict::Malicious => settlement::Verdict::Malicious,
    }
}

fn core_outcome(outcome: Outcome) -> settlement::Outcome {
    match outcome {
        Outcome::Benign => settlement::Outcome::Benign,
        Outcome::Malicious => settlement::Outcome::Malicious,
        Outcome::Invalid => settlement::Outcome::Invalid,
    }
}

/// The settlement of a bounty with `terms` and `assertions` (commit order) under `outcome`
/// (the outcome the contract stated: it already applied quorum and any ruling).
pub fn settle(
    terms: Terms,
    assertions: &[AssertionState],
    outcome: Outcome,
) -> Result<SettlementView, SettlementError> {
    let mut tally = Tally::default();
    for assertion in assertions {
        tally.add(&AssertionInput {
            stake: assertion.stake,
            revealed: assertion.revealed.map(core_verdict),
        })?;
    }
    let result = settlement::settle(terms.reward, terms.fee_bps, &tally, core_outcome(outcome))?;
    let winner = result.outcome.winning_verdict();
    let mut analysts = Vec::with_capacity(assertions.len());
    for assertion in assertions {
        let revealed = assertion.revealed.map(core_verdict);
        let (payout, _share) = result.payout(assertion.stake, revealed)?;
        let analyst_outcome = match (revealed, winner) {
            (None, _) => AnalystOutcome::Unrevealed,
            (Some(_), None) => AnalystOutcome::Refunded,
            (Some(verdict), Some(winner)) if verdict == winner => AnalystOutcome::Won,
            (Some(_), Some(_)) => AnalystOutcome::Lost,
        };
        let forfeited = match analyst_outcome {
            AnalystOutcome::Lost | AnalystOutcome::Unrevealed => assertion.stake,
            AnalystOutcome::Won | AnalystOutcome::Refunded => 0,
        };
        let slash = match analyst_outcome {
            AnalystOutcome::Unrevealed => terms.no_reveal_slash,
            _ => 0,
        };
        analysts.push(AnalystSettlement {
            analyst: assertion.analyst.clone(),
            stake: assertion.stake.to_string(),
            verdict: assertion.revealed,
            outcome: analyst_outcome,
            payout: payout.to_string(),
            forfeited: forfeited.to_string(),
            slash: slash.to_string(),
        });
    }
    Ok(SettlementView {
        outcome,
        winning_stake: result.winning_stake.to_string(),
        pool: result.pool.to_string(),
        fee: result.fee.to_string(),
        distributable: result.distributable.to_string(),
        treasury_amount: result.treasury_amount.to_string(),
        creator_refund: result.creator_refund.to_string(),
        analysts,
    })
}

/// The sum of the payouts of `view` (for checks).
pub fn total_payout(analysts: &[AnalystSettlement]) -> u128 {
    analysts
        .iter()
        .filter_map(|analyst| analyst.payout.parse::<u128>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn assertion(analyst: &str, stake: u128, revealed: Option<Verdict>) -> AssertionState {
        AssertionState {
            analyst: analyst.to_owned(),
            stake,
            revealed,
        }
    }

    #[test]
    fn winners_share_the_pool_losers_and_the_silent_forfeit() {
        let terms = Terms {
            reward: 1_000,
            fee_bps: 500,
            no_reveal_slash: 7,
        };
        let assertions = [
            assertion("0xa", 100, Some(Verdict::Malicious)),
            assertion("0xb", 50, Some(Verdict::Benign)),
            assertion("0xc", 30, None),
        ];
        let view = settle(terms, &assertions, Outcome::Malicious).unwrap();
        // pool = 1000 + 50 + 30 = 1080; fee = 54; distributable = 1026.
        assert_eq!(view.pool, "1080");
        assert_eq!(view.fee, "54");
        let [won, lost, silent] = &view.analysts[..] else {
            panic!("three analysts");
        };
        assert_eq!(
            (won.outcome, won.payout.as_str()),
            (AnalystOutcome::Won, "1126")
        );
        assert_eq!(
            (lost.outcome, lost.forfeited.as_str()),
            (AnalystOutcome::Lost, "50")
        );
        assert_eq!(
            (
                silent.outcome,
                silent.payout.as_str(),
                silent.slash.as_str()
            ),
            (AnalystOutcome::Unrevealed, "0", "7")
        );
        assert_eq!(total_payout(&view.analysts), 1_126);
    }

    #[test]
    fn an_invalid_outcome_refunds_the_revealed_and_the_creator() {
        let terms = Terms {
            reward: 1_000,
            fee_bps: 500,
            no_reveal_slash: 0,
        };
        let assertions = [
            assertion("0xa", 100, Some(Verdict::Malicious)),
            assertion("0xb", 100, Some(Verdict::Benign)),
        ];
        let view = settle(terms, &assertions, Outcome::Invalid).unwrap();
        assert_eq!(view.creator_refund, "1000");
        assert!(
            view.analysts
                .iter()
                .all(|analyst| analyst.outcome == AnalystOutcome::Refunded
                    && analyst.payout == "100")
        );
    }
}
