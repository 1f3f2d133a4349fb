//! The chain listener's confirmed events (`nexus_proto::chain`) as inputs of the bounty life
//! cycle (`nexus_core::bounty::LifecycleEvent`), keyed by the contract's bounty id.
//!
//! Pure, so the consumer only loads the bounty's facts, applies the input and stores the result.
//! Every wire field is checked here: an address that is not `0x` + 40 hex digits, an amount that
//! is not a decimal `uint128` or a block time before 1970 is a [`ChainEventError`] (the event is
//! malformed; the consumer dead-letters it), never a panic. Events that do not move a bounty's
//! life cycle (staking, parameters, treasury and slashing records, retractions, which the
//! consumer handles on their own) map to `None`; the two the scheduler needs
//! ([`settlement_record`]: a treasury payment, an unstake request) and the treasury's part a
//! resolution or ruling states ([`treasury_amount`]) are read here too.

use nexus_core::bounty::{Account, LifecycleEvent};
use nexus_core::hex;
use nexus_core::settlement::{Outcome, Verdict};
use nexus_proto::chain::{self, ChainEvent, LogPosition};

/// A field of a chain event that does not hold what the listener promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chain event {event}: field {field} is malformed")]
pub struct ChainEventError {
    /// The event's name.
    pub event: &'static str,
    /// The field.
    pub field: &'static str,
}

/// The life-cycle input `event` carries, with the contract's bounty id; `None` for events that
/// do not move a bounty's life cycle.
pub fn lifecycle_input(
    event: &ChainEvent,
) -> Result<Option<(u64, LifecycleEvent)>, ChainEventError> {
    let name = event.name();
    let bad = |field| ChainEventError { event: name, field };
    let at = |log: &LogPosition| {
        u64::try_from(log.block_time.timestamp()).map_err(|_| bad("log.block_time"))
    };
    let account = |text: &str, field| account(text).ok_or_else(|| bad(field));
    Ok(Some(match event {
        ChainEvent::BountyOpened(opened) => (
            opened.bounty_id,
            LifecycleEvent::Opened {
                bounty_id: opened.bounty_id,
                assertion_deadline: opened.assertion_deadline,
                reveal_deadline: opened.reveal_deadline,
                at: at(&opened.log)?,
            },
        ),
        ChainEvent::AssertionCommitted(committed) => (
            committed.bounty_id,
            LifecycleEvent::Committed {
                analyst: account(&committed.analyst, "analyst")?,
                stake: committed.stake.parse().map_err(|_| bad("stake"))?,
                at: at(&committed.log)?,
            },
        ),
        ChainEvent::AssertionRevealed(revealed) => (
            revealed.bounty_id,
            LifecycleEvent::Revealed {
                analyst: account(&revealed.analyst, "analyst")?,
                verdict: verdict(revealed.verdict),
                at: at(&revealed.log)?,
            },
        ),
        ChainEvent::BountyResolved(resolved) => (
            resolved.bounty_id,
            LifecycleEvent::Resolved {
                outcome: outcome(resolved.outcome),
                dispute_deadline: resolved.dispute_deadline,
                at: at(&resolved.log)?,
            },
        ),
        ChainEvent::DisputeOpened(opened) => (
            opened.bounty_id,
            LifecycleEvent::DisputeOpened {
                arbitration_deadline: opened.arbitration_deadline,
                at: at(&opened.log)?,
            },
        ),
        ChainEvent::DisputeDecided(decided) => (
            decided.bounty_id,
            LifecycleEvent::DisputeDecided {
                outcome: outcome(decided.outcome),
                at: at(&decided.log)?,
            },
        ),
        ChainEvent::RewardClaimed(claimed) => (
            claimed.bounty_id,
            LifecycleEvent::Claimed {
                analyst: account(&claimed.analyst, "analyst")?,
                at: at(&claimed.log)?,
            },
        ),
        ChainEvent::BountyRefunded(refunded) => (
            refunded.bounty_id,
            LifecycleEvent::CreatorRefunded {
                at: at(&refunded.log)?,
            },
        ),
        ChainEvent::Staked(_)
        | ChainEvent::TreasuryPaid(_)
        | ChainEvent::UnstakeRequested(_)
        | ChainEvent::UnstakeWithdrawn(_)
        | ChainEvent::Slashed(_)
        | ChainEvent::ParameterChanged(_)
        | ChainEvent::ChainEventsRetracted(_) => return Ok(None),
    }))
}

/// What `BountyCreated` says about the bounty it created: the terms a pending bounty of the
/// platform is matched on (the contract's event does not carry the platform's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedTerms {
    /// The creator's wallet.
    pub creator: Account,
    /// The contract's artifactHash.
    pub artifact_hash: [u8; 32],
    /// Reward, wei.
    pub reward: u128,
    /// Minimum stake, wei.
    pub min_stake: u128,
    /// Assertion deadline, unix seconds.
    pub assertion_deadline: u64,
}

/// The terms `opened` names, checked.
pub fn opened_terms(opened: &chain::BountyOpened) -> Result<OpenedTerms, ChainEventError> {
    let bad = |field| ChainEventError {
        event: "BountyOpened",
        field,
    };
    Ok(OpenedTerms {
        creator: opened
            .creator
            .strip_prefix("0x")
            .and_then(hex::decode_array)
            .ok_or_else(|| bad("creator"))?,
        artifact_hash: opened
            .artifact_hash
            .strip_prefix("0x")
            .and_then(hex::decode_array)
            .ok_or_else(|| bad("artifact_hash"))?,
        reward: opened.reward.parse().map_err(|_| bad("reward"))?,
        min_stake: opened.min_stake.parse().map_err(|_| bad("min_stake"))?,
        assertion_deadline: opened.assertion_deadline,
    })
}

/// What the treasury is owed under the outcome a `BountyResolved` or `DisputeDecided` states
/// (the settlement's `treasury_amount`, wei); `None` for other events.
pub fn treasury_amount(event: &ChainEvent) -> Result<Option<u128>, ChainEventError> {
    let settlement = match event {
        ChainEvent::BountyResolved(resolved) => &resolved.settlement,
        ChainEvent::DisputeDecided(decided) => &decided.settlement,
        _ => return Ok(None),
    };
    settlement
        .treasury_amount
        .parse()
        .map(Some)
        .map_err(|_| ChainEventError {
            event: event.name(),
            field: "settlement.treasury_amount",
        })
}

/// A confirmed fact the scheduler acts on that moves no bounty's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettlementRecord {
    /// `payTreasury` paid the treasury its part of a bounty (the dust of a last claim is not
    /// one: it maps to no record).
    TreasuryPaid {
        /// The contract's bounty id.
        chain_bounty_id: u64,
        /// Wei.
        amount: u128,
        /// Block time, unix seconds.
        at: u64,
    },
    /// An account's cooldown as a confirmed log left it: an `UnstakeRequested` (started or
    /// restarted it), or an `UnstakeWithdrawn` (released it: nothing cools down any more, so
    /// the scheduler asks for no release, whoever withdrew).
    UnstakeRequested(UnstakeRecord),
}

/// An `UnstakeRequested`, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnstakeRecord {
    /// The account.
    pub account: Account,
    /// Wei moved to cooldown by this request.
    pub amount: u128,
    /// Wei cooling down after it (all of it unlocks at `unlock_time`).
    pub total_unstaking: u128,
    /// When the cooldown ends, unix seconds.
    pub unlock_time: u64,
    /// The log's block.
    pub block_number: u64,
    /// The log's index in its block.
    pub log_index: u64,
}

/// The [`SettlementRecord`] `event` is, if any.
pub fn settlement_record(event: &ChainEvent) -> Result<Option<SettlementRecord>, ChainEventError> {
    let name = event.name();
    let bad = |field| ChainEventError { event: name, field };
    Ok(match event {
        ChainEvent::TreasuryPaid(paid) if !paid.dust => Some(SettlementRecord::TreasuryPaid {
            chain_bounty_id: paid.bounty_id,
            amount: paid.amount.parse().map_err(|_| bad("amount"))?,
            at: u64::try_from(paid.log.block_time.timestamp())
                .map_err(|_| bad("log.block_time"))?,
        }),
        ChainEvent::UnstakeRequested(requested) => {
            Some(SettlementRecord::UnstakeRequested(UnstakeRecord {
                account: account(&requested.account).ok_or_else(|| bad("account"))?,
                amount: requested.amount.parse().map_err(|_| bad("amount"))?,
                total_unstaking: requested
                    .total_unstaking
                    .parse()
                    .map_err(|_| bad("total_unstaking"))?,
                unlock_time: requested.unlock_time,
                block_number: requested.log.block_number,
                log_index: requested.log.log_index,
            }))
        }
        // The contract zeroes the cooldown (amount and unlock time) when it releases it.
        ChainEvent::UnstakeWithdrawn(withdrawn) => {
            Some(SettlementRecord::UnstakeRequested(UnstakeRecord {
                account: account(&withdrawn.account).ok_or_else(|| bad("account"))?,
                amount: withdrawn.amount.parse().map_err(|_| bad("amount"))?,
                total_unstaking: 0,
                unlock_time: 0,
                block_number: withdrawn.log.block_number,
                log_index: withdrawn.log.log_index,
            }))
        }
        _ => None,
    })
}

/// An event's `0x` + 40 hex digits account.
fn account(text: &str) -> Option<Account> {
    text.strip_prefix("0x").and_then(hex::decode_array::<20>)
}

fn verdict(verdict: chain::Verdict) -> Verdict {
    match verdict {
        chain::Verdict::Benign => Verdict::Benign,
        chain::Verdict::Malicious => Verdict::Malicious,
    }
}

fn outcome(outcome: chain::Outcome) -> Outcome {
    match outcome {
        chain::Outcome::Benign => Outcome::Benign,
        chain::Outcome::Malicious => Outcome::Malicious,
        chain::Outcome::Invalid => Outcome::Invalid,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::DateTime;
    use nexus_core::bounty::{Lifecycle, Phase};
    use nexus_proto::chain::{
        AssertionCommitted, BountyOpened, RewardClaimed, TreasuryPaid, UnstakeRequested,
    };

    use super::*;

    fn log(seconds: i64) -> LogPosition {
        LogPosition {
            chain_id: 31337,
            block_number: 7,
            block_hash: format!("0x{}", "ab".repeat(32)),
            transaction_hash: format!("0x{}", "cd".repeat(32)),
            log_index: 0,
            contract: format!("0x{}", "ef".repeat(20)),
            block_time: DateTime::from_timestamp(seconds, 0).unwrap(),
        }
    }

    fn opened() -> ChainEvent {
        ChainEvent::BountyOpened(BountyOpened {
            log: log(1_000),
            bounty_id: 3,
            creator: format!("0x{}", "11".repeat(20)),
            artifact_kind: chain::ArtifactKind::File,
            artifact_hash: format!("0x{}", "22".repeat(32)),
            reward: "100".into(),
            min_stake: "1".into(),
            assertion_deadline: 2_000,
            reveal_deadline: 3_000,
        })
    }

    fn committed(analyst: &str, stake: &str, seconds: i64) -> ChainEvent {
        ChainEvent::AssertionCommitted(AssertionCommitted {
            log: log(seconds),
            bounty_id: 3,
            analyst: analyst.into(),
            commitment: format!("0x{}", "33".repeat(32)),
            stake: stake.into(),
        })
    }

    #[test]
    fn bounty_events_drive_the_life_cycle_by_the_contracts_id() {
        let mut lifecycle = Lifecycle::new();
        let analyst = format!("0x{}", "aA".repeat(20));
        for event in [opened(), committed(&analyst, "5", 1_500)] {
            let (id, input) = lifecycle_input(&event).unwrap().unwrap();
            assert_eq!(id, 3);
            lifecycle.apply(input).unwrap();
        }
        assert_eq!(lifecycle.phase(), Phase::Open);
        assert_eq!(lifecycle.commitments().get(&[0xaa; 20]), Some(&5));
    }

    #[test]
    fn malformed_fields_are_errors_naming_the_field() {
        for (analyst, stake, field) in [
            ("0x1234", "5", "analyst"),
            ("aa".repeat(20).as_str(), "5", "analyst"),
            (format!("0x{}", "aa".repeat(20)).as_str(), "-5", "stake"),
            (
                format!("0x{}", "aa".repeat(20)).as_str(),
                "340282366920938463463374607431768211456",
                "stake",
            ),
        ] {
            let error = lifecycle_input(&committed(analyst, stake, 1_500)).unwrap_err();
            assert_eq!(error.field, field);
        }
        let early = ChainEvent::RewardClaimed(RewardClaimed {
            log: log(-1),
            bounty_id: 3,
            analyst: format!("0x{}", "aa".repeat(20)),
            amount: "1".into(),
        });
        assert_eq!(lifecycle_input(&early).unwrap_err().field, "log.block_time");
    }

    fn treasury_paid(amount: &str, dust: bool) -> ChainEvent {
        ChainEvent::TreasuryPaid(TreasuryPaid {
            log: log(5_000),
            bounty_id: 3,
            treasury: format!("0x{}", "77".repeat(20)),
            amount: amount.into(),
            dust,
        })
    }

    #[test]
    fn a_treasury_payment_is_a_record_but_a_claims_dust_is_not() {
        assert_eq!(
            settlement_record(&treasury_paid("12", false)).unwrap(),
            Some(SettlementRecord::TreasuryPaid {
                chain_bounty_id: 3,
                amount: 12,
                at: 5_000,
            })
        );
        assert_eq!(settlement_record(&treasury_paid("1", true)).unwrap(), None);
        assert_eq!(
            settlement_record(&treasury_paid("-1", false))
                .unwrap_err()
                .field,
            "amount"
        );
        assert_eq!(lifecycle_input(&treasury_paid("12", false)).unwrap(), None);
        assert_eq!(treasury_amount(&treasury_paid("12", false)).unwrap(), None);
    }

    #[test]
    fn an_unstake_request_names_its_account_and_unlock_time() {
        let mut request = UnstakeRequested {
            log: log(6_000),
            account: format!("0x{}", "aA".repeat(20)),
            amount: "5".into(),
            total_unstaking: "8".into(),
            unlock_time: 9_000,
        };
        let Some(SettlementRecord::UnstakeRequested(record)) =
            settlement_record(&ChainEvent::UnstakeRequested(request.clone())).unwrap()
        else {
            panic!("an unstake record");
        };
        assert_eq!(
            (record.account, record.total_unstaking, record.unlock_time),
            ([0xaa; 20], 8, 9_000)
        );
        assert_eq!((record.block_number, record.log_index), (7, 0));
        request.account = "0x12".into();
        let error = settlement_record(&ChainEvent::UnstakeRequested(request)).unwrap_err();
        assert_eq!(error.field, "account");
    }
}
