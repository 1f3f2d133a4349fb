//! Wire types of an account's own views (`GET /v1/me/assertions`, `GET /v1/me/earnings`),
//! bounty comments and the `user:{id}` earnings events.
//!
//! "The caller" is every wallet the account linked (nexus-user): an assertion committed by any
//! of them is the account's. Amounts are wei as decimal strings, like every amount of the
//! bounty service (they reach 2^128).
//!
//! Events ([`CommentPosted`], [`CommentDeleted`], [`EarningsChanged`]) travel on the bounty
//! stream ([`crate::bounty::EVENTS_STREAM`]): comment events carry `bounty_id` and `is_public`,
//! so the gateway relays them on `bounty:{bounty_id}`; [`EarningsChanged`] carries `user_id` and
//! deliberately no `bounty_id` field, so it reaches `user:{user_id}` and no bounty topic.

use chrono::{DateTime, Utc};
use nexus_core::{ChainAddress, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bounty::EVENTS_STREAM;

/// How an analyst fared on a final bounty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssertionOutcome {
    /// Revealed the winning verdict: stake back plus a share of the pool.
    Right,
    /// Revealed the losing verdict: the stake went to the pool.
    Wrong,
    /// The bounty's outcome is invalid and the analyst revealed: stake back, nothing more.
    Refunded,
    /// Never revealed: the stake is forfeited and the qualifying stake may be slashed.
    Unrevealed,
}

/// One of the caller's assertions, as the chain confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyAssertion {
    /// The platform's id of the bounty.
    pub bounty_id: Uuid,
    /// The contract's id of the bounty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_bounty_id: Option<u64>,
    /// The caller's wallet that committed (`0x`, lower case).
    pub analyst: String,
    /// Stake escrowed, wei.
    pub stake: String,
    /// The block time of the commitment.
    pub committed_at: DateTime<Utc>,
    /// `benign` or `malicious`, once revealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// How it fared, once the bounty is resolved (the settlement in force: a dispute's ruling
    /// replaces the resolution's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AssertionOutcome>,
    /// What `claim` pays (stake back included), wei, once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout: Option<String>,
    /// Bounty stake lost (wrong or unrevealed), wei, once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forfeited: Option<String>,
    /// Qualifying stake the chain slashed for not revealing, wei (absent: none slashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slashed: Option<String>,
    /// Whether the payout was claimed.
    pub claimed: bool,
}

/// `GET /v1/me/assertions` and `GET /v1/bounties/{id}/comments` query: one page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// One page of the caller's assertions, newest commitment first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyAssertionPage {
    /// The assertions.
    pub assertions: Vec<MyAssertion>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The length of one period of `GET /v1/me/earnings` (UTC; weeks start on Monday).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EarningsPeriod {
    /// Calendar days.
    Day,
    /// ISO weeks.
    Week,
    /// Calendar months.
    #[default]
    Month,
}

/// `GET /v1/me/earnings` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EarningsQuery {
    /// Period length (default `month`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<EarningsPeriod>,
    /// How many periods, the current one last, 1–366 (default 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<u32>,
}

/// Amounts of NXS, wei as decimal strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EarningsAmounts {
    /// Payouts of final settlements not claimed yet (stake back included).
    pub claimable: String,
    /// Payouts claimed.
    pub claimed: String,
    /// Stake committed on bounties not resolved yet.
    pub staked: String,
    /// Qualifying stake slashed for not revealing.
    pub slashed: String,
    /// Bounty stake lost (wrong or unrevealed assertions).
    pub forfeited: String,
    /// Shares of pools won (payout above the stake returned).
    pub rewards: String,
    /// Rewards refunded to the caller as a creator (invalid outcomes).
    pub refunded: String,
}

/// One period's amounts: each counts the facts whose block time falls in the period (claimable:
/// settled then and still unclaimed; staked: committed then on a bounty still unresolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PeriodEarnings {
    /// First instant of the period (UTC).
    pub start: DateTime<Utc>,
    /// The amounts.
    pub amounts: EarningsAmounts,
}

/// `GET /v1/me/earnings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyEarnings {
    /// The period length of `periods`.
    pub period: EarningsPeriod,
    /// Everything, whenever it happened.
    pub totals: EarningsAmounts,
    /// The last periods, oldest first, the current one last.
    pub periods: Vec<PeriodEarnings>,
}

/// `POST /v1/bounties/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Plain text (never interpreted as markup), 1–2000 characters once trimmed, no control
    /// characters other than line breaks and tabs.
    pub body: String,
}

/// A comment on a bounty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentView {
    /// The comment's id.
    pub id: Uuid,
    /// The bounty.
    pub bounty_id: Uuid,
    /// The author's account id.
    pub author: String,
    /// The text, as posted (trimmed).
    pub body: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

/// One page of a bounty's comments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentPage {
    /// The comments.
    pub comments: Vec<CommentView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A comment was posted; relayed on `bounty:{bounty_id}` (and the `bounties` feed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentPosted {
    /// The bounty.
    pub bounty_id: Uuid,
    /// Whether the bounty is public (the gateway relays it to guests only then).
    pub is_public: bool,
    /// The comment.
    pub comment: CommentView,
}

impl crate::event::Event for CommentPosted {
    const NAME: &'static str = "CommentPosted";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// A comment was deleted (by an administrator); relayed on `bounty:{bounty_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommentDeleted {
    /// The bounty.
    pub bounty_id: Uuid,
    /// Whether the bounty is public.
    pub is_public: bool,
    /// The comment deleted.
    pub comment_id: Uuid,
    /// The account that deleted it.
    pub deleted_by: String,
}

impl crate::event::Event for CommentDeleted {
    const NAME: &'static str = "CommentDeleted";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// A confirmed chain event changed what an account earns or loses (a resolution or ruling, a
/// claim, a slash, a creator refund, or a reorganisation taking one back). A nudge: the numbers
/// are read with `GET /v1/me/earnings`. Relayed on `user:{user_id}` only (no `bounty_id`
/// field, so no bounty topic carries it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EarningsChanged {
    /// The account whose linked wallet is concerned.
    pub user_id: String,
    /// The wallet (`0x`, lower case).
    pub wallet: String,
    /// The platform's id of the bounty the fact is about.
    pub bounty: Uuid,
    /// The chain event (`BountyResolved`, `DisputeDecided`, `RewardClaimed`, `Slashed`,
    /// `BountyRefunded`, `ChainEventsRetracted`).
    pub cause: String,
}

impl crate::event::Event for EarningsChanged {
    const NAME: &'static str = "EarningsChanged";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// `GET /internal/v1/wallets/{address}` (nexus-user): the account a wallet is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WalletOwner {
    /// The account.
    #[schema(value_type = String)]
    pub user_id: UserId,
    /// The wallet, EIP-55 checksummed.
    #[schema(value_type = String)]
    pub address: ChainAddress,
    /// The chain id the link was signed for.
    pub chain_id: u64,
}
