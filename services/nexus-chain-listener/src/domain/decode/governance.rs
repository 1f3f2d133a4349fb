//! The Governor's proposal lifecycle logs (created, voted, queued, executed, canceled) as the
//! facts the proposals projection stores (`store/proposals.rs`); none is published as an event.

use alloy::primitives::U256;
use nexus_chain::bindings::governance::GovernanceContract::GovernanceContractEvents;

use super::{Fact, address_hex};

/// A proposal as its `ProposalCreated` log states it. The calls are the Governor's parallel
/// arrays, kept as they are (the ABI does not promise they have the same length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalCreated {
    /// The proposal id (`hashProposal`), decimal.
    pub proposal_id: String,
    /// Who proposed it.
    pub proposer: String,
    /// Contracts called.
    pub targets: Vec<String>,
    /// ETH sent with each call, wei.
    pub values: Vec<String>,
    /// Signatures given with each call (usually empty).
    pub signatures: Vec<String>,
    /// Call data of each call, `0x` hex.
    pub calldatas: Vec<String>,
    /// Voting opens after this timepoint (unix seconds: NXS's clock).
    pub vote_start: u64,
    /// Voting closes after this timepoint.
    pub vote_end: u64,
    /// The description.
    pub description: String,
}

/// One account's vote on a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalVote {
    /// The proposal, decimal.
    pub proposal_id: String,
    /// The voter.
    pub voter: String,
    /// 0 against, 1 for, 2 abstain.
    pub support: u8,
    /// Its weight, wei of votes.
    pub weight: String,
    /// The reason given.
    pub reason: String,
    /// `VoteCastWithParams`'s params, `0x` hex.
    pub params: Option<String>,
}

/// A lifecycle step of a proposal after its creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalChange {
    /// Queued in the timelock, executable from `eta` (unix seconds).
    Queued {
        /// The unix second from which it may be executed.
        eta: u64,
    },
    /// Executed.
    Executed,
    /// Canceled.
    Canceled,
}

impl ProposalChange {
    /// The stored state it leaves (`queued`, `executed`, `canceled`).
    pub fn state(self) -> &'static str {
        match self {
            ProposalChange::Queued { .. } => "queued",
            ProposalChange::Executed => "executed",
            ProposalChange::Canceled => "canceled",
        }
    }

    /// The eta, when queued.
    pub fn eta(self) -> Option<u64> {
        match self {
            ProposalChange::Queued { eta } => Some(eta),
            _ => None,
        }
    }
}

/// The proposal lifecycle logs; `None` for the Governor's other logs.
pub(super) fn proposal_fact(event: GovernanceContractEvents) -> Result<Option<Fact>, String> {
    let fact = match event {
        GovernanceContractEvents::ProposalCreated(e) => {
            Fact::ProposalCreated(Box::new(ProposalCreated {
                proposal_id: e.proposalId.to_string(),
                proposer: address_hex(e.proposer),
                targets: e.targets.into_iter().map(address_hex).collect(),
                values: e.values.iter().map(U256::to_string).collect(),
                signatures: e.signatures,
                calldatas: e.calldatas.iter().map(bytes_hex).collect(),
                vote_start: timepoint(e.voteStart)?,
                vote_end: timepoint(e.voteEnd)?,
                description: e.description,
            }))
        }
        GovernanceContractEvents::VoteCast(e) => Fact::ProposalVoted(ProposalVote {
            proposal_id: e.proposalId.to_string(),
            voter: address_hex(e.voter),
            support: support(e.support)?,
            weight: e.weight.to_string(),
            reason: e.reason,
            params: None,
        }),
        GovernanceContractEvents::VoteCastWithParams(e) => Fact::ProposalVoted(ProposalVote {
            proposal_id: e.proposalId.to_string(),
            voter: address_hex(e.voter),
            support: support(e.support)?,
            weight: e.weight.to_string(),
            reason: e.reason,
            params: Some(bytes_hex(&e.params)),
        }),
        GovernanceContractEvents::ProposalQueued(e) => Fact::ProposalChanged {
            proposal_id: e.proposalId.to_string(),
            change: ProposalChange::Queued {
                eta: timepoint(e.etaSeconds)?,
            },
        },
        GovernanceContractEvents::ProposalExecuted(e) => Fact::ProposalChanged {
            proposal_id: e.proposalId.to_string(),
            change: ProposalChange::Executed,
        },
        GovernanceContractEvents::ProposalCanceled(e) => Fact::ProposalChanged {
            proposal_id: e.proposalId.to_string(),
            change: ProposalChange::Canceled,
        },
        _ => return Ok(None),
    };
    Ok(Some(fact))
}

/// `0x` + lower-case hex of call data or params.
fn bytes_hex(bytes: &alloy::primitives::Bytes) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

/// A Governor timepoint (a `uint48` clock value sent as `uint256`) as unix seconds.
fn timepoint(value: U256) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("timepoint {value} is above 2^64"))
}

/// GovernorCountingSimple's vote types: 0 against, 1 for, 2 abstain.
fn support(value: u8) -> Result<u8, String> {
    if value <= 2 {
        Ok(value)
    } else {
        Err(format!(
            "vote support {value} is not against (0), for (1) or abstain (2)"
        ))
    }
}
