//! The chain listener's governance read API (`/v1/chain/proposals`, `/v1/chain/proposals/{id}`,
//! `/v1/chain/proposals/{id}/votes`): the Governor's proposals as its confirmed logs tell them.
//!
//! The conventions are [`crate::chain`]'s: amounts (values, vote weights, quorum) are decimal
//! strings of wei, addresses and hex are `0x` and lower case, and a proposal id (a `uint256`
//! hash) is a decimal string. Timepoints (`vote_start`, `vote_end`, `eta`) are the Governor's
//! clock: NXS's votes clock is the block timestamp, so they are unix seconds.

use serde::{Deserialize, Serialize};

/// Where a proposal stands, with the names and meaning of OpenZeppelin's `Governor.state`.
/// `canceled`, `queued` and `executed` come from the proposal's logs; `pending`, `active`,
/// `succeeded` and `defeated` are computed when read from the vote timepoints against the time
/// of the last block the listener read, the vote totals and the quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Voting has not started (`vote_start` is not past).
    Pending,
    /// Voting is open (`vote_end` is not past).
    Active,
    /// Canceled by its proposer before voting started.
    Canceled,
    /// Voting ended without a quorum (for + abstain) or with no more for than against.
    Defeated,
    /// Voting ended with a quorum and more for than against; it may be queued.
    Succeeded,
    /// Queued in the timelock; executable from `eta`.
    Queued,
    /// Never reached with this Governor (its timelock operations do not expire); kept for
    /// OpenZeppelin's full list.
    Expired,
    /// Executed through the timelock.
    Executed,
}

impl ProposalState {
    /// The state's name on the wire (`pending`, `active`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Pending => "pending",
            ProposalState::Active => "active",
            ProposalState::Canceled => "canceled",
            ProposalState::Defeated => "defeated",
            ProposalState::Succeeded => "succeeded",
            ProposalState::Queued => "queued",
            ProposalState::Expired => "expired",
            ProposalState::Executed => "executed",
        }
    }

    /// The state named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        [
            ProposalState::Pending,
            ProposalState::Active,
            ProposalState::Canceled,
            ProposalState::Defeated,
            ProposalState::Succeeded,
            ProposalState::Queued,
            ProposalState::Expired,
            ProposalState::Executed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// How an account voted (GovernorCountingSimple's `support`: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteSupport {
    /// 0.
    Against,
    /// 1.
    For,
    /// 2.
    Abstain,
}

/// One call a proposal makes through the timelock when executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalAction {
    /// The contract called.
    pub target: String,
    /// ETH sent with the call, wei.
    pub value: String,
    /// The function signature the proposer gave (empty: the selector is in `calldata`).
    pub signature: String,
    /// The call data, `0x` hex.
    pub calldata: String,
}

/// The vote totals of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoteTotals {
    /// Weight voted for, wei of NXS votes.
    #[serde(rename = "for")]
    pub for_votes: String,
    /// Weight voted against.
    pub against: String,
    /// Weight that abstained (counts towards the quorum).
    pub abstain: String,
    /// Accounts that voted.
    pub voters: u64,
}

/// A log's place, for the block and log that created or last changed a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogRef {
    /// Block number.
    pub block_number: u64,
    /// Index of the log in its block.
    pub log_index: u64,
}

/// A governance proposal (`GET /v1/chain/proposals/{id}`, and each item of the list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalView {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The Governor's proposal id (`hashProposal`), decimal.
    pub proposal_id: String,
    /// Who proposed it.
    pub proposer: String,
    /// The calls it makes, in order.
    pub actions: Vec<ProposalAction>,
    /// Its description (the Governor hashes it into the id).
    pub description: String,
    /// Voting opens after this timepoint (unix seconds).
    pub vote_start: u64,
    /// Voting closes after this timepoint (unix seconds).
    pub vote_end: u64,
    /// Where it stands now (see [`ProposalState`]).
    pub state: ProposalState,
    /// When queued: the unix second from which it may be executed.
    pub eta: Option<u64>,
    /// The vote totals.
    pub votes: VoteTotals,
    /// The votes (for + abstain) it needed, when its state depended on them (voting closed with
    /// more for than against, not queued yet): the Governor's `quorum(vote_start)`, read from the
    /// chain; `null` otherwise.
    pub quorum: Option<String>,
    /// The transaction that created it.
    pub transaction_hash: String,
    /// The `ProposalCreated` log.
    pub created: LogRef,
    /// The newest log that changed it (creation, a vote, queueing, execution, cancellation).
    pub last_changed: LogRef,
}

/// `GET /v1/chain/proposals` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalListQuery {
    /// Only proposals in this state (`pending`, `active`, `canceled`, `defeated`, `succeeded`,
    /// `queued`, `expired`, `executed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page of proposals, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalPage {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The proposals.
    pub proposals: Vec<ProposalView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/chain/proposals/{id}/votes` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalVotesQuery {
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One vote on a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalVoteView {
    /// The account that voted.
    pub voter: String,
    /// How.
    pub support: VoteSupport,
    /// Its voting weight at the proposal's snapshot, wei of NXS votes.
    pub weight: String,
    /// The reason it gave (empty if none).
    pub reason: String,
    /// `VoteCastWithParams`'s params, `0x` hex (absent for a plain vote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
    /// The `VoteCast` log.
    pub log: LogRef,
}

/// One page of a proposal's votes, in chain order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalVotePage {
    /// The proposal, decimal.
    pub proposal_id: String,
    /// The votes.
    pub votes: Vec<ProposalVoteView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
