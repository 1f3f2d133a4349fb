//! The bounty service's wire types: a bounty as the API shows it, the list's query and page
//! (REST bodies). Its events travel on [`EVENTS_STREAM`], which the gateway's `bounties` and
//! `bounty:{id}` WebSocket topics relay.
//!
//! Amounts are wei as decimal strings (`"10000000000000000000"`): they reach 2^128, beyond what a
//! JSON number carries exactly in most clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The stream of bounty events (created, state changes), relayed on the `bounties` and
/// `bounty:{id}` topics.
pub const EVENTS_STREAM: &str = "nexus:bounty:events:v1";

/// Where a bounty stands (`nexus_core::bounty::Phase`; docs/BOUNTIES.md has the diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BountyStatus {
    /// Terms accepted, nothing on its way to the chain.
    Draft,
    /// The create transaction is queued or in flight.
    Pending,
    /// On chain, accepting commitments.
    Open,
    /// Commit window closed; reveals running.
    Revealing,
    /// Reveal window closed; waiting for resolution.
    Resolving,
    /// Resolved; disputes possible, then payouts.
    Resolved,
    /// A participant disputed the result.
    Disputed,
    /// An arbiter ruled; final.
    Decided,
    /// Nobody committed before the deadline.
    Expired,
    /// An expired bounty's reward went back to its creator.
    Refunded,
}

/// What a bounty is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// A stored file, by SHA-256.
    File,
    /// A URL.
    Url,
    /// A deployed contract.
    Contract,
}

/// The artifact of a bounty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArtifactView {
    /// Its kind.
    pub kind: ArtifactKind,
    /// The 32-byte reference the contract commits to, `0x` + 64 hex digits: the file's SHA-256,
    /// keccak256 of the URL, or the address left-padded.
    pub hash: String,
    /// The file's SHA-256 (64 lower-case hex digits), for a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The URL, for a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The chain id, for a contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// The contract address (`0x`, lower case), for a contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A bounty as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyView {
    /// The platform's id.
    pub id: Uuid,
    /// The poster's account id.
    pub creator: String,
    /// The poster's wallet that signed the intent (`0x`, lower case).
    pub creator_address: String,
    /// What it is about.
    pub artifact: ArtifactView,
    /// Reward escrowed, wei (decimal string).
    pub reward: String,
    /// Smallest stake an assertion must carry, wei (decimal string).
    pub min_stake: String,
    /// Last moment commitments are accepted.
    pub assertion_deadline: DateTime<Utc>,
    /// Last moment reveals are accepted.
    pub reveal_deadline: DateTime<Utc>,
    /// Listed for everyone, guests included.
    pub is_public: bool,
    /// Where it stands.
    pub status: BountyStatus,
    /// The contract's id, once the chain confirmed the creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_bounty_id: Option<u64>,
    /// Assertions committed so far.
    pub commitment_count: u32,
    /// Assertions revealed so far.
    pub reveal_count: u32,
    /// `benign`, `malicious` or `invalid`, once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// The chain calls relayed for it, oldest first (`GET /v1/bounties/{id}` only; lists leave
    /// them out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<BountyTransaction>,
    /// The assertions committed on chain, in chain order, each with its verdict once revealed
    /// (`GET /v1/bounties/{id}` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<BountyAssertion>,
}

/// One analyst's assertion on a bounty, as the chain confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyAssertion {
    /// The analyst's wallet (`0x`, lower case).
    pub analyst: String,
    /// Stake escrowed, wei (decimal string).
    pub stake: String,
    /// `benign` or `malicious`, once revealed (sealed until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Whether the analyst's payout was claimed.
    pub claimed: bool,
}

/// A chain call the relayer sends for a bounty (its creation, a resolution, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyTransaction {
    /// The job's id.
    pub id: Uuid,
    /// What the call does: `create_bounty`, `resolve`, `refund_creator`, ...
    pub kind: String,
    /// `queued`, `sending`, `sent`, `confirmed` or `failed`.
    pub status: String,
    /// The transaction hash to look up (`0x` + 64 hex digits): the mined one once mined, else
    /// the last broadcast one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// The block it was mined in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_number: Option<u64>,
    /// Failed tries so far.
    pub attempts: u32,
    /// Why it failed, or why its last try did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The list's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BountySort {
    /// Newest first.
    #[default]
    Newest,
    /// Highest reward first.
    Reward,
    /// Nearest assertion deadline first.
    Deadline,
}

/// `GET /v1/bounties` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BountyQuery {
    /// Only bounties in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BountyStatus>,
    /// Only bounties about this kind of artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_kind: Option<ArtifactKind>,
    /// Only bounties posted by this account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// Only bounties whose artifact reference is this (`0x` + 64 hex digits, or a file's
    /// 64-digit SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_hash: Option<String>,
    /// The order (default newest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<BountySort>,
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`; only valid with the same sort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page of bounties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyPage {
    /// The bounties the caller may read, in the requested order.
    pub bounties: Vec<BountyView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A bounty's read model moved: a confirmed chain event changed its status, counts or outcome.
/// Published on [`EVENTS_STREAM`] in the transaction that stores the change; the gateway relays
/// it on `bounty:{bounty_id}`, and on `bounties` to everyone when `is_public`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyUpdated {
    /// The platform's id of the bounty.
    pub bounty_id: Uuid,
    /// The contract's id (absent when a reorganisation took the creation back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_bounty_id: Option<u64>,
    /// Listed for everyone (the gateway's `bounties` topic sends it to guests only then).
    pub is_public: bool,
    /// What the bounty is about (`file`, `url`, `contract`): the `bounties` feed's new-bounty
    /// alert says it without a second request.
    pub artifact_kind: ArtifactKind,
    /// The reward, wei (decimal string).
    pub reward: String,
    /// Status before the event.
    pub previous_status: BountyStatus,
    /// Status after it.
    pub status: BountyStatus,
    /// Commitments so far.
    pub commitment_count: u32,
    /// Reveals so far.
    pub reveal_count: u32,
    /// `benign`, `malicious` or `invalid` once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The chain event that moved it (`BountyOpened`, `AssertionCommitted`, ...).
    pub cause: String,
    /// The account that posted it (nexus-user's id): nexus-notification tells it about activity
    /// on its bounty. Absent in events published before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// The artifact reference, lower-case hex (a file bounty's SHA-256): nexus-notification
    /// compares a resolved file bounty's outcome with the file's last verdict. Absent in events
    /// published before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_hash: Option<String>,
}

impl crate::event::Event for BountyUpdated {
    const NAME: &'static str = "BountyUpdated";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// An EIP-712 intent as the user's wallet signed it (the values of the typed data's message that
/// the contract checks, plus the signature), relayed by the bounty service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedIntent {
    /// The signing wallet (`0x` + 40 hex digits); it must be linked to the caller's account.
    pub signer: String,
    /// The nonce the typed data carried (decimal string).
    pub nonce: String,
    /// The last unix second the intent may be executed (decimal string).
    pub deadline: String,
    /// The 65-byte signature `r ‖ s ‖ v`, `0x`-hex, as `eth_signTypedData_v4` returns it.
    pub signature: String,
}

/// An EIP-2612 permit for the NXS the action moves (reward or stake), signed with the same wallet
/// for the bounty contract as spender and the amount of the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedPermit {
    /// The token nonce the permit typed data carried (decimal string).
    pub nonce: String,
    /// The permit's deadline (unix seconds, decimal string), as in the typed data signed.
    pub deadline: String,
    /// The 65-byte signature `r ‖ s ‖ v`, `0x`-hex.
    pub signature: String,
}

/// `GET /v1/bounties/intents/{kind}`: what the caller's wallet signs for one action, ready for
/// `eth_signTypedData_v4`, so that no client builds EIP-712 typed data by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IntentToSign {
    /// `create`, `commit`, `reveal`, `dispute` or `stake`.
    pub kind: String,
    /// The wallet that must sign (one the caller linked).
    pub signer: String,
    /// The chain the signatures are valid on.
    pub chain_id: u64,
    /// The intent's typed data (the argument of `eth_signTypedData_v4`), with the signer's
    /// current nonce and a deadline; `null` for a reveal, which is not signed (the contract
    /// checks it against the analyst's own commitment).
    #[schema(value_type = Option<Object>)]
    pub typed_data: Option<serde_json::Value>,
    /// The EIP-2612 permit's typed data for the NXS the action moves (create: the reward;
    /// commit: the stake), when one is needed.
    #[schema(value_type = Option<Object>)]
    pub permit: Option<serde_json::Value>,
    /// Where to send the signatures (`POST /api/v1/...`), with the values to send back.
    pub submit: String,
}
