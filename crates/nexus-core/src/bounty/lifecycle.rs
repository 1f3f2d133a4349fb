//! The bounty life cycle: a state machine whose inputs are confirmed chain events.
//!
//! ```text
//! draft ──queued──► pending ──BountyCreated──► open ──deadline, ≥1 commitment──► revealing
//!   ▲                  │                         │                                  │
//!   └─submission failed┘                         └─deadline, no commitment─► expired │ reveal deadline
//!                                                                              │     ▼
//!                                          refunded ◄──CreatorRefunded─────────┘  resolving
//!                                                                                    │ BountyResolved
//!                     decided ◄──DisputeDecided── disputed ◄──DisputeOpened──── resolved
//! ```
//!
//! # Why the state is a set of facts
//!
//! [`Lifecycle`] stores what the chain said (the bounty was created with these deadlines, these
//! analysts committed, these revealed, it was resolved with this outcome, ...) and the latest
//! confirmed block time it has seen; the [`Phase`] is *computed* from those facts. The only steps
//! that are the service's own are `draft → pending` (it queued the create transaction) and
//! `pending → draft` (the relayer gave that transaction up); everything after is a chain event,
//! never the service's guess. Time moves only with confirmed block timestamps (every event carries
//! its block's, and [`LifecycleEvent::Block`] carries a bare one), so "the commit window closed"
//! is also a chain fact.
//!
//! Consequences, each property-tested below:
//! - **Replaying an event is harmless**: applying a fact already known is [`Effect::Replayed`] and
//!   changes nothing (the bus delivers at least once).
//! - **An illegal event is an error value**: a commit after the deadline, a reveal without a
//!   commitment, a claim before the bounty is final, a second resolution with another outcome, ...
//!   return [`LifecycleError`] and leave the state as it was. No input panics.
//! - **Every state is one a real chain can produce**: the checks are the contract's own (windows,
//!   one assertion per analyst, payouts only once final), so the facts are always a prefix of a
//!   possible chain history.
//!
//! Events are expected in chain order (the listener publishes them so). One that overtakes an
//! earlier one is refused while its prerequisite is missing (a reveal before its commit) and goes
//! through on a later delivery. The one order-sensitive conclusion is `expired`: a bounty with no
//! commitment when a block past the deadline is seen is expired; a commitment from before the
//! deadline delivered late turns it into `revealing` again, which is what the chain says.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use crate::settlement::{Outcome, Verdict};

/// An Ethereum account (20 bytes).
pub type Account = [u8; 20];

/// Where a bounty stands (see the module diagram).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Terms accepted, nothing queued for the chain (or the create transaction was given up).
    Draft,
    /// The create transaction is queued or in flight; the chain has not confirmed it.
    Pending,
    /// On chain, accepting commitments until the assertion deadline.
    Open,
    /// The commit window closed with commitments; reveals until the reveal deadline.
    Revealing,
    /// The reveal window closed; waiting for anyone to call `resolve`.
    Resolving,
    /// Resolved; disputes possible until the dispute deadline, payouts afterwards.
    Resolved,
    /// A participant disputed the result; arbiters rule until the arbitration deadline.
    Disputed,
    /// An arbiter ruled; the outcome is final.
    Decided,
    /// The commit window closed without a single commitment: the reward goes back.
    Expired,
    /// An expired bounty's reward was refunded to its creator.
    Refunded,
}

impl Phase {
    /// Every phase, in life-cycle order.
    pub const ALL: [Phase; 10] = [
        Phase::Draft,
        Phase::Pending,
        Phase::Open,
        Phase::Revealing,
        Phase::Resolving,
        Phase::Resolved,
        Phase::Disputed,
        Phase::Decided,
        Phase::Expired,
        Phase::Refunded,
    ];

    /// The stable snake_case name (API, database, events).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::Pending => "pending",
            Phase::Open => "open",
            Phase::Revealing => "revealing",
            Phase::Resolving => "resolving",
            Phase::Resolved => "resolved",
            Phase::Disputed => "disputed",
            Phase::Decided => "decided",
            Phase::Expired => "expired",
            Phase::Refunded => "refunded",
        }
    }

    /// The phase named `name` (the inverse of [`Phase::as_str`]).
    pub fn parse(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|phase| phase.as_str() == name)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One input of the state machine. `at` is the timestamp of the confirmed block that holds the
/// event; the first two are the service's own steps and carry none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifecycleEvent {
    /// The service queued the create transaction for the relayer.
    Queued,
    /// The relayer gave the create transaction up (reverted, or the intent expired unsent).
    SubmissionFailed,
    /// `BountyCreated`: the reward is escrowed and the bounty has its chain id and deadlines.
    Opened {
        /// The contract's bounty id.
        bounty_id: u64,
        /// Last second at which a commitment is accepted.
        assertion_deadline: u64,
        /// Last second at which a reveal is accepted.
        reveal_deadline: u64,
        /// Block timestamp.
        at: u64,
    },
    /// `AssertionCommitted`.
    Committed {
        /// The analyst.
        analyst: Account,
        /// Escrowed stake (wei).
        stake: u128,
        /// Block timestamp.
        at: u64,
    },
    /// `AssertionRevealed`.
    Revealed {
        /// The analyst.
        analyst: Account,
        /// The revealed verdict.
        verdict: Verdict,
        /// Block timestamp.
        at: u64,
    },
    /// `BountyResolved`.
    Resolved {
        /// The outcome the contract computed.
        outcome: Outcome,
        /// Last second at which a dispute is accepted.
        dispute_deadline: u64,
        /// Block timestamp.
        at: u64,
    },
    /// `DisputeOpened`.
    DisputeOpened {
        /// Last second at which an arbiter may rule.
        arbitration_deadline: u64,
        /// Block timestamp.
        at: u64,
    },
    /// `DisputeDecided`: `outcome` is the final one (after the contract's own correction).
    DisputeDecided {
        /// The final outcome.
        outcome: Outcome,
        /// Block timestamp.
        at: u64,
    },
    /// `RewardClaimed`.
    Claimed {
        /// The analyst paid.
        analyst: Account,
        /// Block timestamp.
        at: u64,
    },
    /// `CreatorRefunded`.
    CreatorRefunded {
        /// Block timestamp.
        at: u64,
    },
    /// A confirmed block: time passed (deadlines close).
    Block {
        /// Block timestamp.
        at: u64,
    },
}

impl LifecycleEvent {
    /// The block timestamp the event carries, if any.
    pub fn at(&self) -> Option<u64> {
        match *self {
            LifecycleEvent::Queued | LifecycleEvent::SubmissionFailed => None,
            LifecycleEvent::Opened { at, .. }
            | LifecycleEvent::Committed { at, .. }
            | LifecycleEvent::Revealed { at, .. }
            | LifecycleEvent::Resolved { at, .. }
            | LifecycleEvent::DisputeOpened { at, .. }
            | LifecycleEvent::DisputeDecided { at, .. }
            | LifecycleEvent::Claimed { at, .. }
            | LifecycleEvent::CreatorRefunded { at }
            | LifecycleEvent::Block { at } => Some(at),
        }
    }
}

/// Why an event cannot apply: the chain could not have produced it after what is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifecycleError {
    /// The event needs the bounty on chain, and no `BountyCreated` was seen.
    NotOnChain,
    /// `BountyCreated` for another chain id than the one known.
    OtherBounty,
    /// The deadlines are not increasing.
    InvalidDeadlines,
    /// The event's block time is outside the window the contract allows for it.
    OutsideWindow,
    /// A reveal or claim by an analyst who did not commit (or reveal).
    NoAssertion,
    /// A fact contradicting one already known (a second commit with another stake, a reveal with
    /// another verdict, a second resolution with another outcome).
    Conflict,
    /// The step needs an earlier one that is missing (a dispute without a resolution, a ruling
    /// without a dispute).
    WrongPhase,
    /// A payout before the bounty is final, or one the outcome does not owe.
    NotPayable,
}

impl LifecycleError {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            LifecycleError::NotOnChain => "not_on_chain",
            LifecycleError::OtherBounty => "other_bounty",
            LifecycleError::InvalidDeadlines => "invalid_deadlines",
            LifecycleError::OutsideWindow => "outside_window",
            LifecycleError::NoAssertion => "no_assertion",
            LifecycleError::Conflict => "conflict",
            LifecycleError::WrongPhase => "wrong_phase",
            LifecycleError::NotPayable => "not_payable",
        }
    }
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "illegal bounty transition: {}", self.code())
    }
}

impl std::error::Error for LifecycleError {}

/// What applying an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The fact was already known: nothing changed.
    Replayed,
    /// A new fact; the phase stayed (a commitment, a claim, time passing inside a window).
    Recorded,
    /// A new fact that moved the phase.
    Moved {
        /// Before.
        from: Phase,
        /// After.
        to: Phase,
    },
}

/// What `BountyCreated` fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainTerms {
    /// The contract's bounty id.
    pub bounty_id: u64,
    /// Last second of the commit window.
    pub assertion_deadline: u64,
    /// Last second of the reveal window.
    pub reveal_deadline: u64,
}

/// A bounty's life cycle: the facts known so far (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    queued: bool,
    chain: Option<ChainTerms>,
    now: u64,
    commitments: BTreeMap<Account, u128>,
    reveals: BTreeMap<Account, Verdict>,
    resolution: Option<(Outcome, u64)>,
    arbitration_deadline: Option<u64>,
    ruling: Option<Outcome>,
    claims: BTreeSet<Account>,
    creator_refunded: bool,
}

impl Lifecycle {
    /// A new bounty: a draft.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current phase, computed from the facts.
    pub fn phase(&self) -> Phase {
        let Some(chain) = self.chain else {
            return if self.queued {
                Phase::Pending
            } else {
                Phase::Draft
            };
        };
        if self.commitments.is_empty() && self.now > chain.assertion_deadline {
            return if self.creator_refunded {
                Phase::Refunded
            } else {
                Phase::Expired
            };
        }
        if self.ruling.is_some() {
            Phase::Decided
        } else if self.arbitration_deadline.is_some() {
            Phase::Disputed
        } else if self.resolution.is_some() {
            Phase::Resolved
        } else if self.now > chain.reveal_deadline {
            Phase::Resolving
        } else if self.now > chain.assertion_deadline {
            Phase::Revealing
        } else {
            Phase::Open
        }
    }

    /// What the chain fixed at creation, once it did.
    pub fn chain_terms(&self) -> Option<ChainTerms> {
        self.chain
    }

    /// The latest confirmed block time seen.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Committed analysts and their stakes.
    pub fn commitments(&self) -> &BTreeMap<Account, u128> {
        &self.commitments
    }

    /// Revealed analysts and their verdicts.
    pub fn reveals(&self) -> &BTreeMap<Account, Verdict> {
        &self.reveals
    }

    /// Analysts who were paid.
    pub fn claims(&self) -> &BTreeSet<Account> {
        &self.claims
    }

    /// The outcome in force: the ruling if an arbiter ruled, else the resolution's.
    pub fn outcome(&self) -> Option<Outcome> {
        self.ruling.or(self.resolution.map(|(outcome, _)| outcome))
    }

    /// Whether the creator's reward was refunded.
    pub fn creator_refunded(&self) -> bool {
        self.creator_refunded
    }

    /// Whether payouts are open (the contract's `isFinal` at the latest block seen).
    pub fn is_final(&self) -> bool {
        if self.ruling.is_some() {
            return true;
        }
        match (self.resolution, self.arbitration_deadline) {
            (Some(_), Some(arbitration)) => self.now > arbitration,
            (Some((_, dispute)), None) => self.now > dispute,
            (None, _) => false,
        }
    }

    /// Applies `event`. On an error nothing changed.
    pub fn apply(&mut self, event: LifecycleEvent) -> Result<Effect, LifecycleError> {
        let before = self.phase();
        let mut next = self.clone();
        let new_fact = next.record(event)?;
        if let Some(at) = event.at() {
            next.now = next.now.max(at);
        }
        let changed = new_fact || next.now != self.now;
        *self = next;
        let after = self.phase();
        Ok(if after != before {
            Effect::Moved {
                from: before,
                to: after,
            }
        } else if changed {
            Effect::Recorded
        } else {
            Effect::Replayed
        })
    }

    /// Checks `event` against the facts and records it; `Ok(false)` when it was known already.
    fn record(&mut self, event: LifecycleEvent) -> Result<bool, LifecycleError> {
        match event {
            // Once on chain the local steps are moot: the chain's word wins, and a late or
            // replayed report of an earlier attempt changes nothing.
            LifecycleEvent::Queued if self.chain.is_none() => {
                Ok(!std::mem::replace(&mut self.queued, true))
            }
            LifecycleEvent::SubmissionFailed if self.chain.is_none() => {
                Ok(std::mem::replace(&mut self.queued, false))
            }
            LifecycleEvent::Queued | LifecycleEvent::SubmissionFailed => Ok(false),
            LifecycleEvent::Opened {
                bounty_id,
                assertion_deadline,
                reveal_deadline,
                at,
            } => {
                let terms = ChainTerms {
                    bounty_id,
                    assertion_deadline,
                    reveal_deadline,
                };
                match self.chain {
                    Some(known) if known == terms => Ok(false),
                    Some(_) => Err(LifecycleError::OtherBounty),
                    None if at >= assertion_deadline || assertion_deadline >= reveal_deadline => {
                        Err(LifecycleError::InvalidDeadlines)
                    }
                    None => {
                        self.chain = Some(terms);
                        Ok(true)
                    }
                }
            }
            LifecycleEvent::Committed { analyst, stake, at } => {
                let chain = self.on_chain()?;
                if at > chain.assertion_deadline {
                    return Err(LifecycleError::OutsideWindow);
                }
                known_or_insert(&mut self.commitments, analyst, stake)
            }
            LifecycleEvent::Revealed {
                analyst,
                verdict,
                at,
            } => {
                let chain = self.on_chain()?;
                if at <= chain.assertion_deadline || at > chain.reveal_deadline {
                    return Err(LifecycleError::OutsideWindow);
                }
                if !self.commitments.contains_key(&analyst) {
                    return Err(LifecycleError::NoAssertion);
                }
                known_or_insert(&mut self.reveals, analyst, verdict)
            }
            LifecycleEvent::Resolved {
                outcome,
                dispute_deadline,
                at,
            } => {
                let chain = self.on_chain()?;
                if at <= chain.reveal_deadline || dispute_deadline <= at {
                    return Err(LifecycleError::OutsideWindow);
                }
                match self.resolution {
                    Some(known) if known == (outcome, dispute_deadline) => Ok(false),
                    Some(_) => Err(LifecycleError::Conflict),
                    None => {
                        self.resolution = Some((outcome, dispute_deadline));
                        Ok(true)
                    }
                }
            }
            LifecycleEvent::DisputeOpened {
                arbitration_deadline,
                at,
            } => {
                self.on_chain()?;
                self.before_payouts(self.arbitration_deadline == Some(arbitration_deadline))?;
                let Some((_, dispute_deadline)) = self.resolution else {
                    return Err(LifecycleError::WrongPhase);
                };
                if at > dispute_deadline || arbitration_deadline <= at {
                    return Err(LifecycleError::OutsideWindow);
                }
                match self.arbitration_deadline {
                    Some(known) if known == arbitration_deadline => Ok(false),
                    Some(_) => Err(LifecycleError::Conflict),
                    None => {
                        self.arbitration_deadline = Some(arbitration_deadline);
                        Ok(true)
                    }
                }
            }
            LifecycleEvent::DisputeDecided { outcome, at } => {
                self.on_chain()?;
                self.before_payouts(self.ruling == Some(outcome))?;
                let Some(arbitration_deadline) = self.arbitration_deadline else {
                    return Err(LifecycleError::WrongPhase);
                };
                if at > arbitration_deadline {
                    return Err(LifecycleError::OutsideWindow);
                }
                match self.ruling {
                    Some(known) if known == outcome => Ok(false),
                    Some(_) => Err(LifecycleError::Conflict),
                    None => {
                        self.ruling = Some(outcome);
                        Ok(true)
                    }
                }
            }
            LifecycleEvent::Claimed { analyst, at } => {
                self.on_chain()?;
                if self.claims.contains(&analyst) {
                    return Ok(false);
                }
                let verdict = *self
                    .reveals
                    .get(&analyst)
                    .ok_or(LifecycleError::NoAssertion)?;
                let owed = match self.outcome().map(Outcome::winning_verdict) {
                    Some(None) => true,
                    Some(Some(winning)) => winning == verdict,
                    None => false,
                };
                if !owed || !self.final_at(at) {
                    return Err(LifecycleError::NotPayable);
                }
                self.claims.insert(analyst);
                Ok(true)
            }
            LifecycleEvent::CreatorRefunded { at } => {
                self.on_chain()?;
                if self.creator_refunded {
                    return Ok(false);
                }
                if self.outcome() != Some(Outcome::Invalid) || !self.final_at(at) {
                    return Err(LifecycleError::NotPayable);
                }
                self.creator_refunded = true;
                Ok(true)
            }
            LifecycleEvent::Block { .. } => Ok(false),
        }
    }

    /// A dispute or ruling changes who is owed, so the chain cannot hold one after a payout: a
    /// new one then is out of order (a replay of a known one is fine).
    fn before_payouts(&self, known: bool) -> Result<(), LifecycleError> {
        if known || (self.claims.is_empty() && !self.creator_refunded) {
            Ok(())
        } else {
            Err(LifecycleError::Conflict)
        }
    }

    fn on_chain(&self) -> Result<ChainTerms, LifecycleError> {
        self.chain.ok_or(LifecycleError::NotOnChain)
    }

    /// Whether the bounty is final at block time `at` (or later).
    fn final_at(&self, at: u64) -> bool {
        let mut later = self.clone();
        later.now = later.now.max(at);
        later.is_final()
    }
}

/// Records `value` under `key` unless the same value is there (`Ok(false)`); another value there is
/// a [`LifecycleError::Conflict`].
fn known_or_insert<V: PartialEq + Copy>(
    map: &mut BTreeMap<Account, V>,
    key: Account,
    value: V,
) -> Result<bool, LifecycleError> {
    match map.get(&key) {
        Some(known) if *known == value => Ok(false),
        Some(_) => Err(LifecycleError::Conflict),
        None => {
            map.insert(key, value);
            Ok(true)
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
