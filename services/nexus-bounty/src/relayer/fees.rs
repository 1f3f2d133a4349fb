//! EIP-1559 fees: picked from the node's fee history, capped by the settings, and bumped for a
//! replacement. Pure arithmetic, so it is tested here without a node.

/// The two EIP-1559 fees of a transaction, in wei per gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fees {
    /// `maxFeePerGas`: the most paid per gas, base fee included.
    pub max_fee_per_gas: u64,
    /// `maxPriorityFeePerGas`: the tip to the block producer.
    pub max_priority_fee_per_gas: u64,
}

/// The relayer's ceilings (`max_fee_per_gas`, `max_priority_fee_per_gas` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeCaps {
    /// Highest `maxFeePerGas` ever signed.
    pub max_fee_per_gas: u64,
    /// Highest tip ever signed.
    pub max_priority_fee_per_gas: u64,
}

/// The smallest tip offered even when recent blocks paid none (an idle chain reports zeros),
/// so the transaction is not the last one a busy producer would take.
pub const MIN_PRIORITY_FEE: u64 = 1_000_000;

/// Fees for a new transaction: the tip is the median of the recent blocks' rewards (`rewards`,
/// one per block at the 50th percentile; zeros, empty blocks, ignored), at least
/// [`MIN_PRIORITY_FEE`]; the fee cap is twice the next block's base fee plus the tip, which
/// survives six full blocks of base-fee growth. Both are held under `caps`.
pub fn from_history(next_base_fee: u128, rewards: &[u128], caps: FeeCaps) -> Fees {
    let mut paid: Vec<u128> = rewards.iter().copied().filter(|tip| *tip > 0).collect();
    paid.sort_unstable();
    let median = paid.get(paid.len() / 2).copied().unwrap_or(0);
    let tip = clamp(
        median.max(u128::from(MIN_PRIORITY_FEE)),
        caps.max_priority_fee_per_gas,
    );
    let max_fee = clamp(
        next_base_fee
            .saturating_mul(2)
            .saturating_add(u128::from(tip)),
        caps.max_fee_per_gas,
    );
    Fees {
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip.min(max_fee),
    }
}

/// Fees for a replacement of a transaction signed with `previous`: each fee raised by at least
/// `bump_percent` (nodes refuse a replacement that pays less than 10 % more on both), and not
/// below what the chain asks now (`current`). `None` when the caps leave no room for the
/// bump: the transaction then waits with the fees it has.
pub fn bumped(previous: Fees, current: Fees, bump_percent: u64, caps: FeeCaps) -> Option<Fees> {
    let raise = |fee: u64| -> u64 {
        let raised = u128::from(fee) * u128::from(100 + bump_percent);
        // Round up, so a small fee still rises by the whole percentage.
        u64::try_from(raised.div_ceil(100)).unwrap_or(u64::MAX)
    };
    let max_fee = raise(previous.max_fee_per_gas).max(current.max_fee_per_gas);
    let tip = raise(previous.max_priority_fee_per_gas).max(current.max_priority_fee_per_gas);
    if max_fee > caps.max_fee_per_gas || tip > caps.max_priority_fee_per_gas {
        return None;
    }
    Some(Fees {
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip.min(max_fee),
    })
}

fn clamp(fee: u128, cap: u64) -> u64 {
    u64::try_from(fee).unwrap_or(u64::MAX).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GWEI: u64 = 1_000_000_000;
    const CAPS: FeeCaps = FeeCaps {
        max_fee_per_gas: 100 * GWEI,
        max_priority_fee_per_gas: 3 * GWEI,
    };

    #[test]
    fn the_tip_is_the_median_paid_reward_and_the_cap_twice_the_base_fee_plus_it() {
        let gwei = u128::from(GWEI);
        let fees = from_history(10 * gwei, &[0, gwei, 2 * gwei, 0, gwei / 2], CAPS);
        assert_eq!(fees.max_priority_fee_per_gas, GWEI);
        assert_eq!(fees.max_fee_per_gas, 21 * GWEI);
    }

    #[test]
    fn an_idle_chain_still_gets_the_minimum_tip() {
        let fees = from_history(7, &[0, 0, 0], CAPS);
        assert_eq!(fees.max_priority_fee_per_gas, MIN_PRIORITY_FEE);
        assert_eq!(fees.max_fee_per_gas, 14 + MIN_PRIORITY_FEE);
        assert_eq!(from_history(7, &[], CAPS), fees);
    }

    #[test]
    fn both_fees_stay_under_the_caps() {
        let huge = u128::from(u64::MAX) * 4;
        let fees = from_history(huge, &[huge], CAPS);
        assert_eq!(fees.max_fee_per_gas, CAPS.max_fee_per_gas);
        assert_eq!(fees.max_priority_fee_per_gas, CAPS.max_priority_fee_per_gas);
        let tiny_cap = FeeCaps {
            max_fee_per_gas: 10,
            max_priority_fee_per_gas: 3 * GWEI,
        };
        let fees = from_history(1, &[u128::from(GWEI)], tiny_cap);
        assert!(fees.max_priority_fee_per_gas <= fees.max_fee_per_gas);
    }

    #[test]
    fn a_replacement_pays_at_least_the_bump_on_both_fees_and_no_less_than_now() {
        let previous = Fees {
            max_fee_per_gas: 20 * GWEI,
            max_priority_fee_per_gas: GWEI,
        };
        let low_now = Fees {
            max_fee_per_gas: GWEI,
            max_priority_fee_per_gas: 1,
        };
        let replacement = bumped(previous, low_now, 15, CAPS).unwrap();
        assert_eq!(replacement.max_fee_per_gas, 23 * GWEI);
        assert_eq!(replacement.max_priority_fee_per_gas, GWEI * 115 / 100);

        let high_now = Fees {
            max_fee_per_gas: 50 * GWEI,
            max_priority_fee_per_gas: 2 * GWEI,
        };
        assert_eq!(bumped(previous, high_now, 15, CAPS), Some(high_now));

        let one_wei = Fees {
            max_fee_per_gas: 1,
            max_priority_fee_per_gas: 1,
        };
        let raised = bumped(one_wei, one_wei, 10, CAPS).unwrap();
        assert_eq!(raised.max_fee_per_gas, 2, "rounded up, never equal");
    }

    #[test]
    fn no_replacement_past_the_caps() {
        let at_cap = Fees {
            max_fee_per_gas: CAPS.max_fee_per_gas,
            max_priority_fee_per_gas: GWEI,
        };
        assert_eq!(bumped(at_cap, at_cap, 10, CAPS), None);
    }
}
