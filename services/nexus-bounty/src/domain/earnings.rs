//! Earnings: the chain facts that change what a wallet earns or loses on a bounty
//! ([`facts_of`], from the listener's events), and the sums `GET /v1/me/earnings` shows
//! ([`summarize`], totals and per period). Pure; the store keeps the facts
//! (`bounty.earnings`) and reads them back.
//!
//! The amounts are the settlement the listener computed with `nexus_core::settlement` (the
//! contract's twin, equal to the wei), carried in `BountyResolved` and `DisputeDecided`; nothing
//! is recomputed here, only added up.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use nexus_core::bounty::Account;
use nexus_core::hex;
use nexus_proto::bounty_me::{EarningsAmounts, EarningsPeriod, PeriodEarnings};
use nexus_proto::chain::{AnalystOutcome, ChainEvent, SettlementView};
use uuid::Uuid;

use crate::domain::chain_events::ChainEventError;

/// What happened to a wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// Its part of a settlement.
    Settled {
        /// How it fared.
        outcome: SettledOutcome,
        /// Its stake, wei.
        stake: u128,
        /// What claim pays, wei.
        payout: u128,
        /// Stake lost, wei.
        forfeited: u128,
        /// Qualifying stake that may be slashed, wei.
        slash: u128,
    },
    /// A payout claimed, wei.
    Claimed(u128),
    /// Qualifying stake slashed, wei.
    Slashed(u128),
    /// A creator's reward refunded, wei.
    Refunded(u128),
}

impl FactKind {
    /// The `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Settled { .. } => "settled",
            FactKind::Claimed(_) => "claimed",
            FactKind::Slashed(_) => "slashed",
            FactKind::Refunded(_) => "refunded",
        }
    }
}

/// An analyst's outcome in a settlement (the `outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettledOutcome {
    /// Revealed the winning verdict.
    Won,
    /// Revealed the losing verdict.
    Lost,
    /// Invalid outcome, revealed: stake back.
    Refunded,
    /// Never revealed.
    Unrevealed,
}

impl SettledOutcome {
    /// The column's text.
    pub fn as_str(self) -> &'static str {
        match self {
            SettledOutcome::Won => "won",
            SettledOutcome::Lost => "lost",
            SettledOutcome::Refunded => "refunded",
            SettledOutcome::Unrevealed => "unrevealed",
        }
    }

    /// The column's text parsed.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "won" => SettledOutcome::Won,
            "lost" => SettledOutcome::Lost,
            "refunded" => SettledOutcome::Refunded,
            "unrevealed" => SettledOutcome::Unrevealed,
            _ => return None,
        })
    }
}

/// One fact about one wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    /// The wallet.
    pub account: Account,
    /// What happened.
    pub kind: FactKind,
    /// The block time of the log.
    pub at: DateTime<Utc>,
}

/// The earnings facts `event` carries: every analyst of a settlement, a claim, a refund or a
/// slash on a bounty (with the contract's bounty id); `None` for events that carry none.
pub fn facts_of(event: &ChainEvent) -> Result<Option<(u64, Vec<Fact>)>, ChainEventError> {
    let name = event.name();
    let bad = |field| ChainEventError { event: name, field };
    let account = |text: &str, field| -> Result<Account, ChainEventError> {
        text.strip_prefix("0x")
            .and_then(hex::decode_array::<20>)
            .ok_or_else(|| bad(field))
    };
    let wei = |text: &str, field| text.parse::<u128>().map_err(|_| bad(field));
    let one = |id: u64, who: Account, kind: FactKind, at: DateTime<Utc>| {
        Some((
            id,
            vec![Fact {
                account: who,
                kind,
                at,
            }],
        ))
    };
    Ok(match event {
        ChainEvent::BountyResolved(resolved) => Some((
            resolved.bounty_id,
            settled(&resolved.settlement, resolved.log.block_time, name)?,
        )),
        ChainEvent::DisputeDecided(decided) => Some((
            decided.bounty_id,
            settled(&decided.settlement, decided.log.block_time, name)?,
        )),
        ChainEvent::RewardClaimed(claimed) => one(
            claimed.bounty_id,
            account(&claimed.analyst, "analyst")?,
            FactKind::Claimed(wei(&claimed.amount, "amount")?),
            claimed.log.block_time,
        ),
        ChainEvent::BountyRefunded(refunded) => one(
            refunded.bounty_id,
            account(&refunded.creator, "creator")?,
            FactKind::Refunded(wei(&refunded.amount, "amount")?),
            refunded.log.block_time,
        ),
        ChainEvent::Slashed(slashed) => match slashed.bounty_id {
            Some(id) => one(
                id,
                account(&slashed.account, "account")?,
                FactKind::Slashed(wei(&slashed.amount, "amount")?),
                slashed.log.block_time,
            ),
            None => None,
        },
        _ => None,
    })
}

fn settled(
    settlement: &SettlementView,
    at: DateTime<Utc>,
    event: &'static str,
) -> Result<Vec<Fact>, ChainEventError> {
    let bad = |field| ChainEventError { event, field };
    let wei = |text: &str, field| text.parse::<u128>().map_err(|_| bad(field));
    settlement
        .analysts
        .iter()
        .map(|analyst| {
            Ok(Fact {
                account: analyst
                    .analyst
                    .strip_prefix("0x")
                    .and_then(hex::decode_array::<20>)
                    .ok_or_else(|| bad("settlement.analysts.analyst"))?,
                kind: FactKind::Settled {
                    outcome: match analyst.outcome {
                        AnalystOutcome::Won => SettledOutcome::Won,
                        AnalystOutcome::Lost => SettledOutcome::Lost,
                        AnalystOutcome::Refunded => SettledOutcome::Refunded,
                        AnalystOutcome::Unrevealed => SettledOutcome::Unrevealed,
                    },
                    stake: wei(&analyst.stake, "settlement.analysts.stake")?,
                    payout: wei(&analyst.payout, "settlement.analysts.payout")?,
                    forfeited: wei(&analyst.forfeited, "settlement.analysts.forfeited")?,
                    slash: wei(&analyst.slash, "settlement.analysts.slash")?,
                },
                at,
            })
        })
        .collect()
}

/// A stored fact, as [`summarize`] reads it (in `seq` order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredFact {
    /// The bounty.
    pub bounty_id: Uuid,
    /// The fact.
    pub fact: Fact,
}

/// A commitment of one of the wallets (`staked` counts it while its bounty has no settlement
/// for the wallet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    /// The bounty.
    pub bounty_id: Uuid,
    /// The wallet.
    pub account: Account,
    /// Stake, wei.
    pub stake: u128,
    /// Block time.
    pub at: DateTime<Utc>,
}

/// Sums in wei before they become strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    /// See [`EarningsAmounts`].
    pub claimable: u128,
    /// See [`EarningsAmounts`].
    pub claimed: u128,
    /// See [`EarningsAmounts`].
    pub staked: u128,
    /// See [`EarningsAmounts`].
    pub slashed: u128,
    /// See [`EarningsAmounts`].
    pub forfeited: u128,
    /// See [`EarningsAmounts`].
    pub rewards: u128,
    /// See [`EarningsAmounts`].
    pub refunded: u128,
}

impl Sums {
    /// The wire form.
    pub fn wire(&self) -> EarningsAmounts {
        EarningsAmounts {
            claimable: self.claimable.to_string(),
            claimed: self.claimed.to_string(),
            staked: self.staked.to_string(),
            slashed: self.slashed.to_string(),
            forfeited: self.forfeited.to_string(),
            rewards: self.rewards.to_string(),
            refunded: self.refunded.to_string(),
        }
    }
}

/// Amounts beyond `u128` (never with the token's supply cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an earnings sum exceeds 2^128 wei")]
pub struct Overflow;

/// Adds one fact's contributions, each at its time, through `add(at, field, amount)`.
fn contributions(
    facts: &[StoredFact],
    commitments: &[Commitment],
    mut add: impl FnMut(DateTime<Utc>, fn(&mut Sums) -> &mut u128, u128) -> Result<(), Overflow>,
) -> Result<(), Overflow> {
    // The settlement in force per (bounty, wallet): the last settled fact.
    let mut in_force: HashMap<(Uuid, Account), Fact> = HashMap::new();
    let mut claimed: HashSet<(Uuid, Account)> = HashSet::new();
    for stored in facts {
        let key = (stored.bounty_id, stored.fact.account);
        match stored.fact.kind {
            FactKind::Settled { .. } => {
                in_force.insert(key, stored.fact);
            }
            FactKind::Claimed(amount) => {
                claimed.insert(key);
                add(stored.fact.at, |sums| &mut sums.claimed, amount)?;
            }
            FactKind::Slashed(amount) => add(stored.fact.at, |sums| &mut sums.slashed, amount)?,
            FactKind::Refunded(amount) => add(stored.fact.at, |sums| &mut sums.refunded, amount)?,
        }
    }
    for (key, fact) in &in_force {
        let FactKind::Settled {
            outcome,
            stake,
            payout,
            forfeited,
            ..
        } = fact.kind
        else {
            continue;
        };
        if !claimed.contains(key) {
            add(fact.at, |sums| &mut sums.claimable, payout)?;
        }
        add(fact.at, |sums| &mut sums.forfeited, forfeited)?;
        if outcome == SettledOutcome::Won {
            add(
                fact.at,
                |sums| &mut sums.rewards,
                payout.saturating_sub(stake),
            )?;
        }
    }
    for commitment in commitments {
        if !in_force.contains_key(&(commitment.bounty_id, commitment.account)) {
            add(commitment.at, |sums| &mut sums.staked, commitment.stake)?;
        }
    }
    Ok(())
}

/// The first instant of the period holding `at`.
pub fn period_start(period: EarningsPeriod, at: DateTime<Utc>) -> DateTime<Utc> {
    let date = at.date_naive();
    let first = match period {
        EarningsPeriod::Day => date,
        EarningsPeriod::Week => {
            date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
        }
        EarningsPeriod::Month => {
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date)
        }
    };
    Utc.from_utc_datetime(&first.and_time(chrono::NaiveTime::MIN))
}

/// The start of the period before the one starting at `start`.
fn previous_start(period: EarningsPeriod, start: DateTime<Utc>) -> DateTime<Utc> {
    match period {
        EarningsPeriod::Day => start - Duration::days(1),
        EarningsPeriod::Week => start - Duration::weeks(1),
        EarningsPeriod::Month => period_start(period, start - Duration::days(1)),
    }
}

/// Each period's first instant and sums, oldest first.
pub type Periods = Vec<(DateTime<Utc>, Sums)>;

/// Totals, and the last `count` periods of `period` up to the one holding `now` (oldest first).
pub fn summarize(
    facts: &[StoredFact],
    commitments: &[Commitment],
    period: EarningsPeriod,
    count: u32,
    now: DateTime<Utc>,
) -> Result<(Sums, Periods), Overflow> {
    let mut starts = vec![period_start(period, now)];
    for _ in 1..count {
        let last = starts[starts.len() - 1];
        starts.push(previous_start(period, last));
    }
    starts.reverse();
    let mut buckets: Vec<(DateTime<Utc>, Sums)> = starts
        .into_iter()
        .map(|start| (start, Sums::default()))
        .collect();
    let mut totals = Sums::default();
    contributions(facts, commitments, |at, field, amount| {
        let total = field(&mut totals);
        *total = total.checked_add(amount).ok_or(Overflow)?;
        let start = period_start(period, at);
        if let Some((_, sums)) = buckets.iter_mut().find(|(first, _)| *first == start) {
            let value = field(sums);
            *value = value.checked_add(amount).ok_or(Overflow)?;
        }
        Ok(())
    })?;
    Ok((totals, buckets))
}

/// The wire form of `summarize`'s periods.
pub fn wire_periods(periods: &[(DateTime<Utc>, Sums)]) -> Vec<PeriodEarnings> {
    periods
        .iter()
        .map(|(start, sums)| PeriodEarnings {
            start: *start,
            amounts: sums.wire(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn periods_start_on_utc_days_mondays_and_first_days() {
        let now = at("2026-12-09T15:30:00Z"); // a Wednesday
        assert_eq!(
            period_start(EarningsPeriod::Day, now),
            at("2026-12-09T00:00:00Z")
        );
        assert_eq!(
            period_start(EarningsPeriod::Week, now),
            at("2026-12-07T00:00:00Z")
        );
        assert_eq!(
            period_start(EarningsPeriod::Month, now),
            at("2026-12-01T00:00:00Z")
        );
        assert_eq!(
            previous_start(EarningsPeriod::Month, at("2026-03-01T00:00:00Z")),
            at("2026-02-01T00:00:00Z")
        );
    }

    #[test]
    fn a_dispute_ruling_replaces_the_resolution_and_claims_end_claimable() {
        let bounty = Uuid::now_v7();
        let me = [0xaa; 20];
        let settled = |outcome, payout, forfeited, time| StoredFact {
            bounty_id: bounty,
            fact: Fact {
                account: me,
                kind: FactKind::Settled {
                    outcome,
                    stake: 100,
                    payout,
                    forfeited,
                    slash: 0,
                },
                at: at(time),
            },
        };
        let facts = [
            settled(SettledOutcome::Lost, 0, 100, "2026-11-02T00:00:00Z"),
            settled(SettledOutcome::Won, 250, 0, "2026-12-03T00:00:00Z"),
        ];
        let open = Commitment {
            bounty_id: Uuid::now_v7(),
            account: me,
            stake: 40,
            at: at("2026-12-04T00:00:00Z"),
        };
        let settled_commitment = Commitment {
            bounty_id: bounty,
            account: me,
            stake: 100,
            at: at("2026-10-01T00:00:00Z"),
        };
        let now = at("2026-12-09T00:00:00Z");
        let (totals, periods) = summarize(
            &facts,
            &[open, settled_commitment],
            EarningsPeriod::Month,
            2,
            now,
        )
        .unwrap();
        assert_eq!(
            totals,
            Sums {
                claimable: 250,
                rewards: 150,
                staked: 40,
                ..Sums::default()
            }
        );
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].0, at("2026-11-01T00:00:00Z"));
        assert_eq!(periods[1].1, totals);

        let mut claimed = facts.to_vec();
        claimed.push(StoredFact {
            bounty_id: bounty,
            fact: Fact {
                account: me,
                kind: FactKind::Claimed(250),
                at: at("2026-12-05T00:00:00Z"),
            },
        });
        let (totals, _) = summarize(&claimed, &[], EarningsPeriod::Day, 1, now).unwrap();
        assert_eq!((totals.claimable, totals.claimed), (0, 250));
    }
}
