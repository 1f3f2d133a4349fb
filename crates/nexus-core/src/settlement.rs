//! The bounty settlement rule: who gets what when a bounty is final.
//!
//! This is the Rust twin of `BountyContract` (`resolve`, `_settlement`, `_payoutOf` and the dust
//! sweep in `claim`, in `contracts/src/BountyContract.sol`). It uses the same integer arithmetic, in
//! the same order, with the same floor divisions, so its results equal the contract's to the wei.
//! The end-to-end test in `crates/nexus-chain` checks exactly that against a real EVM (anvil).
//!
//! # The rule
//!
//! 1. **Outcome.** Only revealed assertions count. If fewer than `quorum` were revealed, or the
//!    revealed stake on Benign equals the revealed stake on Malicious (including 0 = 0), the bounty is
//!    [`Outcome::Invalid`]. Otherwise the verdict with more revealed stake wins (stake-weighted, not
//!    head-counted). An arbiter's ruling replaces the outcome; a ruling for a verdict that nobody
//!    revealed becomes Invalid ([`apply_ruling`]).
//! 2. **Valid outcome.** `pool = reward + losing revealed stake + unrevealed stake`;
//!    `fee = floor(pool * fee_bps / 10_000)`; `distributable = pool - fee`. Each winner receives their
//!    own stake back plus `floor(distributable * stake / winning_stake)`. Losers and analysts who never
//!    revealed receive nothing.
//! 3. **Invalid outcome.** The creator gets the reward back, every revealed analyst gets their stake
//!    back, and unrevealed stakes are forfeited to the treasury. No fee.
//!
//! # Rounding: who gets the dust
//!
//! Every division rounds down (Solidity's `/`). The fee is rounded down, so rounding never favours the
//! platform at the users' expense by more than it must. The per-winner shares are rounded down too,
//! so their sum may fall short of `distributable` by at most `winners - 1` wei; that remainder (the
//! *dust*) goes to the **treasury**, sent by the contract together with the last winner's claim. No
//! winner's payout therefore depends on the order of claims, and the escrow ends at exactly zero:
//! `sum(payouts) + treasury + creator refund = reward + total committed stake`.
//!
//! # Bounds
//!
//! Amounts are `u128` wei, as the contract stores them (`uint128`). Sums and products that the
//! contract computes in `uint256` are computed here with checked arithmetic and an exact 256-bit
//! intermediate product ([`mul_div_floor`]), so no intermediate can overflow silently: every function
//! returns [`SettlementError::Overflow`] instead. With the NXS supply cap of 10^27 wei (< 2^90) no
//! real input comes near that bound.

use std::fmt;

/// Basis-point denominator of the fee (`BountyContract.BPS`).
pub const BPS: u128 = 10_000;

/// Largest fee governance may set, in basis points (`BountyContract.MAX_FEE_BPS`).
pub const MAX_FEE_BPS: u16 = 1_000;

/// A revealed verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The artifact is harmless.
    Benign,
    /// The artifact is malicious.
    Malicious,
}

/// The result of a resolved bounty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Benign won: analysts who revealed Benign are paid.
    Benign,
    /// Malicious won: analysts who revealed Malicious are paid.
    Malicious,
    /// No valid majority: everything is refunded (see the module docs).
    Invalid,
}

impl Outcome {
    /// The verdict that wins under this outcome, if any.
    pub fn winning_verdict(self) -> Option<Verdict> {
        match self {
            Outcome::Benign => Some(Verdict::Benign),
            Outcome::Malicious => Some(Verdict::Malicious),
            Outcome::Invalid => None,
        }
    }
}

/// Why a settlement could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlementError {
    /// An intermediate value does not fit in `u128` (far beyond any real token amount).
    Overflow,
    /// The fee is above [`MAX_FEE_BPS`]; the contract never accepts such a fee.
    FeeTooHigh,
    /// The tally is impossible: more revealed than committed stake.
    InconsistentTally,
}

impl fmt::Display for SettlementError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = match self {
            SettlementError::Overflow => "settlement arithmetic overflowed u128",
            SettlementError::FeeTooHigh => "fee above the maximum of 1000 basis points",
            SettlementError::InconsistentTally => "revealed stake exceeds committed stake",
        };
        formatter.write_str(message)
    }
}

impl std::error::Error for SettlementError {}

/// The per-bounty counters the contract keeps (`BountyState.benignStake`, `benignCount`, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Total stake of every committed assertion, revealed or not.
    pub total_stake: u128,
    /// Revealed stake on Benign.
    pub benign_stake: u128,
    /// Number of assertions revealed as Benign.
    pub benign_count: u32,
    /// Revealed stake on Malicious.
    pub malicious_stake: u128,
    /// Number of assertions revealed as Malicious.
    pub malicious_count: u32,
}

impl Tally {
    /// Revealed stake on `verdict`.
    pub fn stake_on(&self, verdict: Verdict) -> u128 {
        match verdict {
            Verdict::Benign => self.benign_stake,
            Verdict::Malicious => self.malicious_stake,
        }
    }

    /// Number of assertions revealed as `verdict`.
    pub fn count_on(&self, verdict: Verdict) -> u32 {
        match verdict {
            Verdict::Benign => self.benign_count,
            Verdict::Malicious => self.malicious_count,
        }
    }

    /// Stake that was committed but never revealed.
    pub fn unrevealed_stake(&self) -> Result<u128, SettlementError> {
        let revealed = self
            .benign_stake
            .checked_add(self.malicious_stake)
            .ok_or(SettlementError::Overflow)?;
        self.total_stake
            .checked_sub(revealed)
            .ok_or(SettlementError::InconsistentTally)
    }

    /// Adds one committed assertion (and its reveal, if any) to the tally.
    pub fn add(&mut self, assertion: &AssertionInput) -> Result<(), SettlementError> {
        self.total_stake = self
            .total_stake
            .checked_add(assertion.stake)
            .ok_or(SettlementError::Overflow)?;
        match assertion.revealed {
            Some(Verdict::Benign) => {
                self.benign_stake = checked_add(self.benign_stake, assertion.stake)?;
                self.benign_count = self
                    .benign_count
                    .checked_add(1)
                    .ok_or(SettlementError::Overflow)?;
            }
            Some(Verdict::Malicious) => {
                self.malicious_stake = checked_add(self.malicious_stake, assertion.stake)?;
                self.malicious_count = self
                    .malicious_count
                    .checked_add(1)
                    .ok_or(SettlementError::Overflow)?;
            }
            None => {}
        }
        Ok(())
    }
}

/// The outcome `BountyContract.resolve` computes: stake-weighted majority of revealed verdicts,
/// Invalid below `quorum` reveals or on a tie.
pub fn resolve_outcome(tally: &Tally, quorum: u32) -> Outcome {
    let revealed_count = u64::from(tally.benign_count) + u64::from(tally.malicious_count);
    if revealed_count < u64::from(quorum) || tally.benign_stake == tally.malicious_stake {
        Outcome::Invalid
    } else if tally.benign_stake > tally.malicious_stake {
        Outcome::Benign
    } else {
        Outcome::Malicious
    }
}

/// The outcome after an arbiter's ruling (`BountyContract.decideDispute`): the ruling stands,
/// except that a ruling for a verdict with no revealed stake becomes Invalid.
pub fn apply_ruling(tally: &Tally, ruling: Outcome) -> Outcome {
    match ruling.winning_verdict() {
        Some(verdict) if tally.stake_on(verdict) == 0 => Outcome::Invalid,
        _ => ruling,
    }
}

/// How a final bounty's escrow is divided; field for field `BountyContract.Settlement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The final outcome.
    pub outcome: Outcome,
    /// Revealed stake on the winning verdict (0 when Invalid).
    pub winning_stake: u128,
    /// Reward + losing revealed stake + unrevealed stake (0 when Invalid).
    pub pool: u128,
    /// `floor(pool * fee_bps / 10_000)`, to the treasury (0 when Invalid).
    pub fee: u128,
    /// `pool - fee`, shared among the winners pro rata to stake.
    pub distributable: u128,
    /// What `payTreasury` sends: the fee, or the unrevealed stake when Invalid. Excludes the dust.
    pub treasury_amount: u128,
    /// The reward when Invalid, else 0.
    pub creator_refund: u128,
}

/// Computes the settlement of a bounty with `reward`, `fee_bps` and `tally` under `outcome`.
pub fn settle(
    reward: u128,
    fee_bps: u16,
    tally: &Tally,
    outcome: Outcome,
) -> Result<Settlement, SettlementError> {
    if fee_bps > MAX_FEE_BPS {
        return Err(SettlementError::FeeTooHigh);
    }
    let unrevealed = tally.unrevealed_stake()?;
    let Some(winner) = outcome.winning_verdict() else {
        return Ok(Settlement {
            outcome,
            winning_stake: 0,
            pool: 0,
            fee: 0,
            distributable: 0,
            treasury_amount: unrevealed,
            creator_refund: reward,
        });
    };
    let winning_stake = tally.stake_on(winner);
    let revealed = checked_add(tally.benign_stake, tally.malicious_stake)?;
    let losing_stake = revealed - winning_stake;
    let pool = checked_add(checked_add(reward, losing_stake)?, unrevealed)?;
    let fee = mul_div_floor(pool, u128::from(fee_bps), BPS)?;
    let distributable = pool - fee;
    Ok(Settlement {
        outcome,
        winning_stake,
        pool,
        fee,
        distributable,
        treasury_amount: fee,
        creator_refund: 0,
    })
}

impl Settlement {
    /// What `claim` pays an assertion of `stake` revealed as `revealed` (`None`: never revealed),
    /// as `(payout, share)` where `share` is the part above the returned stake.
    pub fn payout(
        &self,
        stake: u128,
        revealed: Option<Verdict>,
    ) -> Result<(u128, u128), SettlementError> {
        let Some(verdict) = revealed else {
            return Ok((0, 0));
        };
        match self.outcome.winning_verdict() {
            None => Ok((stake, 0)),
            Some(winner) if winner == verdict => {
                let share = mul_div_floor(self.distributable, stake, self.winning_stake)?;
                Ok((checked_add(stake, share)?, share))
            }
            Some(_) => Ok((0, 0)),
        }
    }
}

/// One committed assertion, as the settlement sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssertionInput {
    /// The escrowed stake.
    pub stake: u128,
    /// The revealed verdict, or `None` if it was never revealed.
    pub revealed: Option<Verdict>,
}

/// Everything a final bounty pays, assertion by assertion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payouts {
    /// The settlement the payouts follow.
    pub settlement: Settlement,
    /// Payout per assertion, in input order.
    pub analysts: Vec<u128>,
    /// Rounding dust, sent to the treasury with the last winner's claim.
    pub dust: u128,
    /// Everything the treasury receives from this bounty: `treasury_amount + dust`.
    pub treasury_total: u128,
    /// What the creator gets back.
    pub creator_refund: u128,
}

/// Settles a whole bounty from its assertions: outcome (majority or `ruling`), then every payout.
pub fn settle_bounty(
    reward: u128,
    fee_bps: u16,
    quorum: u32,
    assertions: &[AssertionInput],
    ruling: Option<Outcome>,
) -> Result<Payouts, SettlementError> {
    let mut tally = Tally::default();
    for assertion in assertions {
        tally.add(assertion)?;
    }
    let outcome = match ruling {
        Some(ruling) => apply_ruling(&tally, ruling),
        None => resolve_outcome(&tally, quorum),
    };
    let settlement = settle(reward, fee_bps, &tally, outcome)?;
    let mut analysts = Vec::with_capacity(assertions.len());
    let mut shares_paid: u128 = 0;
    for assertion in assertions {
        let (payout, share) = settlement.payout(assertion.stake, assertion.revealed)?;
        shares_paid = checked_add(shares_paid, share)?;
        analysts.push(payout);
    }
    let dust = settlement
        .distributable
        .checked_sub(shares_paid)
        .ok_or(SettlementError::Overflow)?;
    Ok(Payouts {
        settlement,
        analysts,
        dust,
        treasury_total: checked_add(settlement.treasury_amount, dust)?,
        creator_refund: settlement.creator_refund,
    })
}

fn checked_add(left: u128, right: u128) -> Result<u128, SettlementError> {
    left.checked_add(right).ok_or(SettlementError::Overflow)
}

/// `floor(a * b / divisor)` computed exactly through a 256-bit intermediate product, as Solidity's
/// `a * b / divisor` on `uint256` does for `u128` inputs. Errors on a zero divisor or a quotient
/// that does not fit in `u128`.
pub fn mul_div_floor(a: u128, b: u128, divisor: u128) -> Result<u128, SettlementError> {
    if divisor == 0 {
        return Err(SettlementError::Overflow);
    }
    let (high, low) = widening_mul(a, b);
    if high == 0 {
        return Ok(low / divisor);
    }
    if high >= divisor {
        return Err(SettlementError::Overflow);
    }
    // Schoolbook binary long division of (high, low) by divisor; high < divisor keeps the
    // quotient within 128 bits. `carry` is the bit shifted out of `remainder`, when the running
    // remainder momentarily needs 129 bits.
    let mut remainder = high;
    let mut quotient: u128 = 0;
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= divisor {
            remainder = remainder.wrapping_sub(divisor);
            quotient |= 1;
        }
    }
    Ok(quotient)
}

/// The full 256-bit product of two `u128`, as `(high, low)` halves.
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a_low, a_high) = (a & MASK, a >> 64);
    let (b_low, b_high) = (b & MASK, b >> 64);
    let low_low = a_low * b_low;
    let low_high = a_low * b_high;
    let high_low = a_high * b_low;
    let high_high = a_high * b_high;
    // Sum of the middle column; at most 3 * (2^64 - 1), so it fits.
    let middle = (low_low >> 64) + (low_high & MASK) + (high_low & MASK);
    let low = (low_low & MASK) | ((middle & MASK) << 64);
    let high = high_high + (low_high >> 64) + (high_low >> 64) + (middle >> 64);
    (high, low)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    const ETHER: u128 = 1_000_000_000_000_000_000;
    /// NXS MAX_SUPPLY in wei: the real bound on every amount.
    const MAX_SUPPLY: u128 = 1_000_000_000 * ETHER;

    fn revealed(stake: u128, verdict: Verdict) -> AssertionInput {
        AssertionInput {
            stake,
            revealed: Some(verdict),
        }
    }

    fn unrevealed(stake: u128) -> AssertionInput {
        AssertionInput {
            stake,
            revealed: None,
        }
    }

    /// The worked example of docs/CONTRACTS.md and of the Solidity test
    /// `test_winners_claim_stake_plus_pro_rata_share`.
    #[test]
    fn worked_example_matches_the_contract_test() {
        let assertions = [
            revealed(10 * ETHER, Verdict::Malicious),
            revealed(30 * ETHER, Verdict::Malicious),
            revealed(20 * ETHER, Verdict::Benign),
            unrevealed(5 * ETHER),
        ];
        let payouts = settle_bounty(100 * ETHER, 250, 1, &assertions, None).unwrap();
        assert_eq!(payouts.settlement.outcome, Outcome::Malicious);
        assert_eq!(payouts.settlement.pool, 125 * ETHER);
        assert_eq!(payouts.settlement.fee, 3_125_000_000_000_000_000);
        assert_eq!(
            payouts.settlement.distributable,
            121_875_000_000_000_000_000
        );
        assert_eq!(
            payouts.analysts,
            vec![
                40_468_750_000_000_000_000,
                121_406_250_000_000_000_000,
                0,
                0
            ]
        );
        assert_eq!(payouts.dust, 0);
    }

    #[test]
    fn stake_outweighs_head_count() {
        let assertions = [
            revealed(10, Verdict::Benign),
            revealed(10, Verdict::Benign),
            revealed(25, Verdict::Malicious),
        ];
        let payouts = settle_bounty(100, 0, 1, &assertions, None).unwrap();
        assert_eq!(payouts.settlement.outcome, Outcome::Malicious);
    }

    #[test]
    fn tie_and_missing_quorum_are_invalid() {
        let tie = [
            revealed(10, Verdict::Benign),
            revealed(10, Verdict::Malicious),
        ];
        assert_eq!(
            settle_bounty(100, 250, 1, &tie, None)
                .unwrap()
                .settlement
                .outcome,
            Outcome::Invalid
        );
        let lonely = [revealed(10, Verdict::Benign), unrevealed(50)];
        let payouts = settle_bounty(100, 250, 2, &lonely, None).unwrap();
        assert_eq!(payouts.settlement.outcome, Outcome::Invalid);
        assert_eq!(payouts.analysts, vec![10, 0]);
        assert_eq!(payouts.creator_refund, 100);
        assert_eq!(payouts.treasury_total, 50);
        let nobody = settle_bounty(100, 250, 1, &[], None).unwrap();
        assert_eq!(nobody.settlement.outcome, Outcome::Invalid);
        assert_eq!(nobody.creator_refund, 100);
    }

    #[test]
    fn dust_goes_to_the_treasury() {
        // 1 ether + 1 wei reward, three equal winners, 2.5% fee: the thirds do not divide evenly.
        let assertions = [
            revealed(ETHER, Verdict::Benign),
            revealed(ETHER, Verdict::Benign),
            revealed(ETHER, Verdict::Benign),
        ];
        let payouts = settle_bounty(ETHER + 1, 250, 1, &assertions, None).unwrap();
        let settlement = payouts.settlement;
        let share = settlement.distributable / 3;
        assert_eq!(payouts.analysts, vec![ETHER + share; 3]);
        assert_eq!(payouts.dust, settlement.distributable - 3 * share);
        assert!(payouts.dust > 0);
        assert_eq!(payouts.treasury_total, settlement.fee + payouts.dust);
    }

    #[test]
    fn ruling_for_an_unrevealed_verdict_is_invalid() {
        let assertions = [revealed(10, Verdict::Benign)];
        let payouts = settle_bounty(100, 250, 1, &assertions, Some(Outcome::Malicious)).unwrap();
        assert_eq!(payouts.settlement.outcome, Outcome::Invalid);
        let overturned = [
            revealed(10, Verdict::Benign),
            revealed(20, Verdict::Malicious),
        ];
        let payouts = settle_bounty(100, 0, 1, &overturned, Some(Outcome::Benign)).unwrap();
        assert_eq!(payouts.settlement.outcome, Outcome::Benign);
        assert_eq!(payouts.analysts, vec![10 + 120, 0]);
    }

    #[test]
    fn rejects_impossible_inputs() {
        assert_eq!(
            settle(1, MAX_FEE_BPS + 1, &Tally::default(), Outcome::Invalid),
            Err(SettlementError::FeeTooHigh)
        );
        let impossible = Tally {
            total_stake: 1,
            benign_stake: 2,
            benign_count: 1,
            ..Tally::default()
        };
        assert_eq!(
            settle(1, 0, &impossible, Outcome::Benign),
            Err(SettlementError::InconsistentTally)
        );
        assert_eq!(
            settle_bounty(u128::MAX, 0, 1, &[revealed(1, Verdict::Benign)], None),
            Err(SettlementError::Overflow)
        );
        assert_eq!(mul_div_floor(1, 1, 0), Err(SettlementError::Overflow));
        assert_eq!(
            mul_div_floor(u128::MAX, u128::MAX, 1),
            Err(SettlementError::Overflow)
        );
    }

    #[test]
    fn mul_div_handles_products_beyond_u128() {
        assert_eq!(
            mul_div_floor(u128::MAX, u128::MAX, u128::MAX),
            Ok(u128::MAX)
        );
        assert_eq!(mul_div_floor(1 << 100, 1 << 100, 1 << 90), Ok(1 << 110));
        assert_eq!(mul_div_floor(u128::MAX, 3, 4), Ok(u128::MAX / 4 * 3 + 2));
    }

    fn verdict_strategy() -> impl Strategy<Value = Option<Verdict>> {
        prop_oneof![
            Just(None),
            Just(Some(Verdict::Benign)),
            Just(Some(Verdict::Malicious))
        ]
    }

    fn assertions_strategy() -> impl Strategy<Value = Vec<AssertionInput>> {
        prop::collection::vec(
            (1..=MAX_SUPPLY / 64, verdict_strategy())
                .prop_map(|(stake, revealed)| AssertionInput { stake, revealed }),
            0..24,
        )
    }

    fn ruling_strategy() -> impl Strategy<Value = Option<Outcome>> {
        prop_oneof![
            4 => Just(None),
            1 => Just(Some(Outcome::Benign)),
            1 => Just(Some(Outcome::Malicious)),
            1 => Just(Some(Outcome::Invalid)),
        ]
    }

    proptest! {
        /// Conservation: the escrow (reward + every stake) is paid out exactly, to the wei.
        #[test]
        fn every_wei_escrowed_is_paid_exactly_once(
            reward in 1..=MAX_SUPPLY / 4,
            fee_bps in 0..=MAX_FEE_BPS,
            quorum in 1u32..6,
            assertions in assertions_strategy(),
            ruling in ruling_strategy(),
        ) {
            let payouts = settle_bounty(reward, fee_bps, quorum, &assertions, ruling).unwrap();
            let escrowed = reward + assertions.iter().map(|a| a.stake).sum::<u128>();
            let paid = payouts.analysts.iter().sum::<u128>() + payouts.treasury_total + payouts.creator_refund;
            prop_assert_eq!(paid, escrowed);
        }

        /// Dust is below one wei per winner, and only exists when there are winners.
        #[test]
        fn dust_is_less_than_one_wei_per_winner(
            reward in 1..=MAX_SUPPLY / 4,
            fee_bps in 0..=MAX_FEE_BPS,
            assertions in assertions_strategy(),
        ) {
            let payouts = settle_bounty(reward, fee_bps, 1, &assertions, None).unwrap();
            let winners = match payouts.settlement.outcome.winning_verdict() {
                Some(winner) => assertions.iter().filter(|a| a.revealed == Some(winner)).count() as u128,
                None => 0,
            };
            prop_assert!(payouts.dust < winners.max(1));
        }

        /// Winners get at least their stake back and are paid monotonically in stake; losers and
        /// no-shows get nothing; when Invalid, exactly the revealed stakes come back.
        #[test]
        fn payouts_follow_the_verdicts(
            reward in 1..=MAX_SUPPLY / 4,
            fee_bps in 0..=MAX_FEE_BPS,
            quorum in 1u32..4,
            assertions in assertions_strategy(),
        ) {
            let payouts = settle_bounty(reward, fee_bps, quorum, &assertions, None).unwrap();
            let winner = payouts.settlement.outcome.winning_verdict();
            for (assertion, payout) in assertions.iter().zip(&payouts.analysts) {
                match (winner, assertion.revealed) {
                    (_, None) => prop_assert_eq!(*payout, 0),
                    (None, Some(_)) => prop_assert_eq!(*payout, assertion.stake),
                    (Some(w), Some(v)) if w == v => prop_assert!(*payout >= assertion.stake),
                    (Some(_), Some(_)) => prop_assert_eq!(*payout, 0),
                }
            }
            if let Some(w) = winner {
                for (a, pa) in assertions.iter().zip(&payouts.analysts) {
                    for (b, pb) in assertions.iter().zip(&payouts.analysts) {
                        if a.revealed == Some(w) && b.revealed == Some(w) && a.stake <= b.stake {
                            prop_assert!(pa <= pb);
                        }
                    }
                }
            }
        }

        /// The majority is the verdict with strictly more revealed stake, given quorum.
        #[test]
        fn outcome_is_the_stake_weighted_majority(
            quorum in 1u32..6,
            assertions in assertions_strategy(),
        ) {
            let payouts = settle_bounty(1, 0, quorum, &assertions, None).unwrap();
            let stake = |verdict| assertions.iter().filter(|a| a.revealed == Some(verdict)).map(|a| a.stake).sum::<u128>();
            let reveals = assertions.iter().filter(|a| a.revealed.is_some()).count() as u32;
            let (benign, malicious) = (stake(Verdict::Benign), stake(Verdict::Malicious));
            let expected = if reveals < quorum || benign == malicious {
                Outcome::Invalid
            } else if benign > malicious {
                Outcome::Benign
            } else {
                Outcome::Malicious
            };
            prop_assert_eq!(payouts.settlement.outcome, expected);
        }

        /// The fee is the floor of the basis-point fraction of the pool, never more.
        #[test]
        fn fee_rounds_down(
            reward in 1..=MAX_SUPPLY,
            fee_bps in 0..=MAX_FEE_BPS,
            stake in 1..=MAX_SUPPLY,
        ) {
            let payouts = settle_bounty(reward, fee_bps, 1, &[revealed(stake, Verdict::Benign)], None).unwrap();
            let settlement = payouts.settlement;
            prop_assert!(settlement.fee * BPS <= settlement.pool * u128::from(fee_bps));
            prop_assert!(settlement.pool * u128::from(fee_bps) < (settlement.fee + 1) * BPS);
        }

        /// mul_div_floor is exact: q * d <= a * b < (q + 1) * d, checked in 256 bits.
        #[test]
        fn mul_div_floor_is_exact(a in any::<u128>(), b in any::<u128>(), divisor in 1..=u128::MAX) {
            match mul_div_floor(a, b, divisor) {
                Ok(quotient) => {
                    let product = widening_mul(a, b);
                    let below = widening_mul(quotient, divisor);
                    prop_assert!(below <= product);
                    let next = widening_add(below, divisor);
                    prop_assert!(product < next);
                    if let Some(small) = a.checked_mul(b) {
                        prop_assert_eq!(quotient, small / divisor);
                    }
                }
                Err(_) => prop_assert!(widening_mul(a, b).0 >= divisor),
            }
        }
    }

    /// (high, low) + value, for the test above; the inputs there never overflow 256 bits.
    fn widening_add((high, low): (u128, u128), value: u128) -> (u128, u128) {
        let (low, carry) = low.overflowing_add(value);
        (high + u128::from(carry), low)
    }
}
