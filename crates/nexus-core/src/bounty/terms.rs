//! A bounty's terms and the governed parameters they must respect: the checks the contract's
//! `_createBounty` makes, made before anything is queued, so a request the chain would revert is
//! refused with a reason instead of failing later in the relayer.

use std::fmt;

/// NXS supply cap in wei (`ReputationToken.MAX_SUPPLY`, 10^9 NXS of 18 decimals): no reward or
/// stake can exceed it.
pub const MAX_SUPPLY_WEI: u128 = 1_000_000_000 * 1_000_000_000_000_000_000;

/// The platform parameters in force (`BountyTypes.Params`, set by governance), in wei and seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GovernedParameters {
    /// Fee in basis points of the settlement pool.
    pub fee_bps: u16,
    /// Revealed assertions needed for a valid result.
    pub quorum: u32,
    /// Shortest commit window at creation (seconds).
    pub min_commit_window: u64,
    /// Longest commit window at creation (seconds).
    pub max_commit_window: u64,
    /// Reveal window after the assertion deadline (seconds).
    pub reveal_window: u64,
    /// Dispute window after resolution (seconds).
    pub dispute_window: u64,
    /// Time arbiters have to rule (seconds).
    pub arbitration_window: u64,
    /// Smallest reward (wei).
    pub min_reward: u128,
    /// Floor of a bounty's per-assertion minimum stake (wei).
    pub min_assertion_stake: u128,
    /// Stake an analyst must hold in the token to commit (wei).
    pub min_analyst_stake: u128,
    /// Slashed from an analyst who never reveals (wei).
    pub no_reveal_slash: u128,
}

/// What a creator asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    /// Reward escrowed (wei).
    pub reward: u128,
    /// Smallest stake an assertion must carry (wei).
    pub min_stake: u128,
    /// Last second at which commitments are accepted (Unix time).
    pub assertion_deadline: u64,
}

/// Why terms are refused; each names the bound in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermsError {
    /// The reward is below the governed minimum.
    RewardTooLow {
        /// The minimum (wei).
        minimum: u128,
    },
    /// The reward or minimum stake exceeds the token's whole supply.
    AboveSupply,
    /// The minimum stake is below the governed floor.
    MinStakeTooLow {
        /// The floor (wei).
        minimum: u128,
    },
    /// The assertion deadline is outside the window the contract will accept when the creation
    /// is executed.
    DeadlineOutsideWindow {
        /// Earliest acceptable deadline (Unix time).
        earliest: u64,
        /// Latest acceptable deadline (Unix time).
        latest: u64,
    },
}

impl TermsError {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            TermsError::RewardTooLow { .. } => "reward_too_low",
            TermsError::AboveSupply => "amount_above_supply",
            TermsError::MinStakeTooLow { .. } => "min_stake_too_low",
            TermsError::DeadlineOutsideWindow { .. } => "deadline_outside_window",
        }
    }
}

impl fmt::Display for TermsError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TermsError::RewardTooLow { minimum } => {
                write!(formatter, "the reward must be at least {minimum} wei")
            }
            TermsError::AboveSupply => {
                formatter.write_str("the reward and minimum stake must not exceed the NXS supply")
            }
            TermsError::MinStakeTooLow { minimum } => {
                write!(
                    formatter,
                    "the minimum stake must be at least {minimum} wei"
                )
            }
            TermsError::DeadlineOutsideWindow { earliest, latest } => write!(
                formatter,
                "the assertion deadline must be between {earliest} and {latest} (Unix seconds)"
            ),
        }
    }
}

impl std::error::Error for TermsError {}

impl Terms {
    /// Checks the terms against `params` at time `now` (Unix seconds). `slack` is the time the
    /// creation may take to reach the chain (relayer queue, block time): the contract checks the
    /// minimum window when it executes, so the deadline must clear it by that much more.
    pub fn check(
        &self,
        params: &GovernedParameters,
        now: u64,
        slack: u64,
    ) -> Result<(), TermsError> {
        if self.reward > MAX_SUPPLY_WEI || self.min_stake > MAX_SUPPLY_WEI {
            return Err(TermsError::AboveSupply);
        }
        if self.reward < params.min_reward {
            return Err(TermsError::RewardTooLow {
                minimum: params.min_reward,
            });
        }
        if self.min_stake < params.min_assertion_stake {
            return Err(TermsError::MinStakeTooLow {
                minimum: params.min_assertion_stake,
            });
        }
        let earliest = now
            .saturating_add(params.min_commit_window)
            .saturating_add(slack);
        let latest = now.saturating_add(params.max_commit_window);
        if self.assertion_deadline < earliest || self.assertion_deadline > latest {
            return Err(TermsError::DeadlineOutsideWindow { earliest, latest });
        }
        Ok(())
    }

    /// The reveal deadline the contract will set (`assertionDeadline + revealWindow`).
    pub fn reveal_deadline(&self, params: &GovernedParameters) -> u64 {
        self.assertion_deadline.saturating_add(params.reveal_window)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const HOUR: u64 = 3_600;
    const NXS: u128 = 1_000_000_000_000_000_000;

    fn params() -> GovernedParameters {
        GovernedParameters {
            fee_bps: 250,
            quorum: 1,
            min_commit_window: HOUR,
            max_commit_window: 7 * 24 * HOUR,
            reveal_window: 24 * HOUR,
            dispute_window: 24 * HOUR,
            arbitration_window: 72 * HOUR,
            min_reward: 10 * NXS,
            min_assertion_stake: NXS,
            min_analyst_stake: 100 * NXS,
            no_reveal_slash: 5 * NXS,
        }
    }

    #[test]
    fn each_bound_is_enforced_and_named() {
        let now = 1_000_000;
        let good = Terms {
            reward: 10 * NXS,
            min_stake: NXS,
            assertion_deadline: now + 2 * HOUR,
        };
        assert_eq!(good.check(&params(), now, 60), Ok(()));
        assert_eq!(good.reveal_deadline(&params()), now + 26 * HOUR);
        let cheap = Terms {
            reward: 10 * NXS - 1,
            ..good
        };
        assert_eq!(
            cheap.check(&params(), now, 60),
            Err(TermsError::RewardTooLow { minimum: 10 * NXS })
        );
        let low = Terms {
            min_stake: NXS - 1,
            ..good
        };
        assert_eq!(
            low.check(&params(), now, 60),
            Err(TermsError::MinStakeTooLow { minimum: NXS })
        );
        let huge = Terms {
            reward: MAX_SUPPLY_WEI + 1,
            ..good
        };
        assert_eq!(huge.check(&params(), now, 60), Err(TermsError::AboveSupply));
        let window = TermsError::DeadlineOutsideWindow {
            earliest: now + HOUR + 60,
            latest: now + 7 * 24 * HOUR,
        };
        let soon = Terms {
            assertion_deadline: now + HOUR,
            ..good
        };
        assert_eq!(soon.check(&params(), now, 60), Err(window));
        let late = Terms {
            assertion_deadline: now + 7 * 24 * HOUR + 1,
            ..good
        };
        assert_eq!(late.check(&params(), now, 60), Err(window));
    }

    proptest! {
        /// Accepted terms are ones the contract accepts at any execution time within the slack.
        #[test]
        fn accepted_terms_pass_the_contracts_checks_within_the_slack(
            reward in any::<u128>(), min_stake in any::<u128>(), deadline in any::<u64>(),
            now in 0u64..u64::MAX / 2, slack in 0u64..HOUR, delay in 0u64..HOUR,
        ) {
            let terms = Terms { reward, min_stake, assertion_deadline: deadline };
            let params = params();
            if terms.check(&params, now, slack).is_ok() && delay <= slack {
                let executed = now + delay;
                prop_assert!(reward >= params.min_reward && min_stake >= params.min_assertion_stake);
                prop_assert!(deadline >= executed + params.min_commit_window);
                prop_assert!(deadline <= executed + params.max_commit_window);
            }
        }
    }
}
