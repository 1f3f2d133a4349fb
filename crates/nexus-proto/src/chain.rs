//! The chain listener's wire types: the confirmed chain events it publishes and the bodies of its
//! read API (`/v1/chain/status`, `/v1/chain/parameters`, `/v1/chain/accounts/{address}`).
//!
//! Every event travels on [`EVENTS_STREAM`] (`nexus:chain:events:v1`), written through the
//! listener's outbox in the transaction that stores the log it comes from, and only once the log
//! is confirmed (its block is at least the chain's confirmation depth below the head). Each one
//! carries a [`LogPosition`] (chain id, block number and hash, transaction hash, log index), so a
//! consumer can key its projection by the log and ignore a replay.
//!
//! Carrying conventions (the same in every event and body):
//! - amounts of NXS are **decimal strings of wei** (`"1000000000000000000"` is 1 NXS): a `uint256`
//!   does not fit a JSON number that every client reads exactly;
//! - addresses are `0x` + 40 lower-case hex digits, hashes `0x` + 64 lower-case hex digits;
//! - contract timestamps (deadlines, unlock times) are **unix seconds** as the contract stores
//!   them (`uint64`), never converted, so no value the contract accepts is refused here;
//! - bounty ids are the contract's sequential ids (1, 2, ...).
//!
//! A reorganisation deeper than the confirmation depth takes back logs that were already
//! published: the listener then publishes [`ChainEventsRetracted`], naming the envelope ids of
//! every event it retracts, before the events of the new branch. Consumers undo exactly those.
//!
//! [`ChainEvent`] is every event of the stream in one enum, tagged like the envelope
//! (`name`/`payload`), so a consumer decodes any envelope of the stream with
//! [`ChainEvent::from_envelope`]. The JSON Schema of the stream ([`json_schema`]) is published as
//! `docs/schemas/chain-events.v1.json`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{EnvelopeError, Event, RawEnvelope};

/// The stream every confirmed chain event is published on.
pub const EVENTS_STREAM: &str = "nexus:chain:events:v1";

/// Where a log sits on the chain. `(chain_id, block_hash, log_index)` identifies it; the
/// block number orders it.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
pub struct LogPosition {
    /// EIP-155 chain id (31337 for anvil).
    pub chain_id: u64,
    /// Number of the block holding the log.
    pub block_number: u64,
    /// Hash of that block.
    pub block_hash: String,
    /// Hash of the transaction that emitted the log.
    pub transaction_hash: String,
    /// Index of the log within its block.
    pub log_index: u64,
    /// The contract that emitted the log.
    pub contract: String,
    /// The block's timestamp.
    pub block_time: DateTime<Utc>,
}

/// What a bounty's artifact reference points at (`ArtifactKind` of the contract).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// A stored file: the reference is the SHA-256 of its bytes.
    File,
    /// A URL: the reference is keccak256 of the UTF-8 URL.
    Url,
    /// A contract: the reference is its address left-padded to 32 bytes.
    Contract,
}

/// A revealed verdict.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The artifact is harmless.
    Benign,
    /// The artifact is malicious.
    Malicious,
}

/// The result of a resolved bounty (or of an arbiter's ruling).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Benign won.
    Benign,
    /// Malicious won.
    Malicious,
    /// No valid majority (quorum not met, a tie, or a ruling for a verdict nobody revealed):
    /// everything is refunded.
    Invalid,
}

/// A bounty was created on chain and its reward escrowed (`BountyCreated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct BountyOpened {
    /// Where the log is.
    pub log: LogPosition,
    /// The contract's bounty id.
    pub bounty_id: u64,
    /// Who created it (and escrowed the reward).
    pub creator: String,
    /// What the artifact reference means.
    pub artifact_kind: ArtifactKind,
    /// The artifact reference (32 bytes, see [`ArtifactKind`]).
    pub artifact_hash: String,
    /// Escrowed reward, wei.
    pub reward: String,
    /// Smallest stake an assertion must carry, wei.
    pub min_stake: String,
    /// Last moment (unix seconds) an assertion may be committed.
    pub assertion_deadline: u64,
    /// Last moment (unix seconds) an assertion may be revealed.
    pub reveal_deadline: u64,
}

/// A sealed assertion was committed and its stake escrowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct AssertionCommitted {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The analyst.
    pub analyst: String,
    /// The sealed commitment (32 bytes).
    pub commitment: String,
    /// Escrowed stake, wei.
    pub stake: String,
}

/// An assertion was revealed and matched its commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct AssertionRevealed {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The analyst.
    pub analyst: String,
    /// The revealed verdict.
    pub verdict: Verdict,
    /// The analyst's confidence, 0-100.
    pub confidence: u8,
    /// Hash of the analyst's off-chain report (32 bytes).
    pub metadata_hash: String,
}

/// What one analyst gets from a final bounty.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AnalystOutcome {
    /// Revealed the winning verdict: stake back plus a share of the pool.
    Won,
    /// Revealed the losing verdict: the stake goes to the pool.
    Lost,
    /// The outcome is invalid and the analyst revealed: stake back.
    Refunded,
    /// Never revealed: the stake is forfeited and the qualifying stake may be slashed.
    Unrevealed,
}

/// One analyst's part of a settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct AnalystSettlement {
    /// The analyst.
    pub analyst: String,
    /// The stake committed on the bounty, wei.
    pub stake: String,
    /// The revealed verdict (none when never revealed).
    pub verdict: Option<Verdict>,
    /// How the analyst fared.
    pub outcome: AnalystOutcome,
    /// What `claim` pays the analyst (stake back included), wei.
    pub payout: String,
    /// Bounty stake the analyst loses, wei.
    pub forfeited: String,
    /// Qualifying stake that `slashUnrevealed` may take for not revealing (the bounty's
    /// `noRevealSlash`, or 0), wei; [`Slashed`] reports what was actually taken.
    pub slash: String,
}

/// How a final bounty's escrow is divided, computed with `nexus_core::settlement` (the
/// contract's twin, equal to the wei).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct SettlementView {
    /// The outcome the division follows.
    pub outcome: Outcome,
    /// Revealed stake on the winning verdict, wei (0 when invalid).
    pub winning_stake: String,
    /// Reward + losing revealed stake + unrevealed stake, wei (0 when invalid).
    pub pool: String,
    /// The platform fee, wei.
    pub fee: String,
    /// Pool minus fee, shared among winners pro rata to stake, wei.
    pub distributable: String,
    /// What the treasury receives (fee, or forfeited stakes when invalid), rounding dust aside, wei.
    pub treasury_amount: String,
    /// The reward refunded to the creator (invalid outcome), wei.
    pub creator_refund: String,
    /// Every analyst who committed, in commit order.
    pub analysts: Vec<AnalystSettlement>,
}

/// The bounty was resolved; a participant may dispute until `dispute_deadline`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct BountyResolved {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The outcome.
    pub outcome: Outcome,
    /// Revealed stake on Benign, wei.
    pub benign_stake: String,
    /// Revealed stake on Malicious, wei.
    pub malicious_stake: String,
    /// Number of revealed assertions.
    pub revealed_count: u64,
    /// Last moment (unix seconds) a dispute may be opened.
    pub dispute_deadline: u64,
    /// Each analyst's outcome, payout and slash under this outcome.
    pub settlement: SettlementView,
}

/// An analyst's payout was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct RewardClaimed {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The analyst paid.
    pub analyst: String,
    /// Amount paid, wei.
    pub amount: String,
}

/// The creator's reward was refunded (invalid outcome; `CreatorRefunded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct BountyRefunded {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The creator refunded.
    pub creator: String,
    /// Amount refunded, wei.
    pub amount: String,
}

/// The treasury was paid from a bounty's escrow (`TreasuryPaid`): by `payTreasury` once the
/// bounty is final (the settlement's `treasury_amount`; `dust` false), or with the last
/// winner's claim (the rounding dust; `dust` true).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct TreasuryPaid {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The treasury paid.
    pub treasury: String,
    /// Amount paid, wei.
    pub amount: String,
    /// Whether this is the rounding dust sent with the last claim (not `payTreasury`).
    pub dust: bool,
}

/// A participant disputed the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct DisputeOpened {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// Who disputed.
    pub disputant: String,
    /// Last moment (unix seconds) the arbiters may rule; afterwards the result stands.
    pub arbitration_deadline: u64,
}

/// An arbiter ruled on a dispute; `outcome` is final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct DisputeDecided {
    /// Where the log is.
    pub log: LogPosition,
    /// The bounty.
    pub bounty_id: u64,
    /// The arbiter.
    pub arbiter: String,
    /// What the arbiter ruled.
    pub ruling: Outcome,
    /// The final outcome (a ruling for a verdict nobody revealed becomes invalid).
    pub outcome: Outcome,
    /// Each analyst's outcome, payout and slash under the final outcome.
    pub settlement: SettlementView,
}

/// An account staked NXS (qualifying it as an analyst).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Staked {
    /// Where the log is.
    pub log: LogPosition,
    /// The account.
    pub account: String,
    /// Amount added, wei.
    pub amount: String,
    /// The account's staked total afterwards, wei.
    pub total_staked: String,
}

/// An account started the unstake cooldown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct UnstakeRequested {
    /// Where the log is.
    pub log: LogPosition,
    /// The account.
    pub account: String,
    /// Amount moved to cooldown, wei.
    pub amount: String,
    /// The account's total cooling down afterwards, wei.
    pub total_unstaking: String,
    /// When (unix seconds) the cooldown ends.
    pub unlock_time: u64,
}

/// An account's cooled-down NXS were released to its free balance (`withdrawUnstaked` by the
/// account, or `withdrawUnstakedFor` by a relayer): nothing of it cools down any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct UnstakeWithdrawn {
    /// Where the log is.
    pub log: LogPosition,
    /// The account.
    pub account: String,
    /// Amount released, wei (all that was cooling down).
    pub amount: String,
}

/// Locked NXS of an account was slashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct Slashed {
    /// Where the (token's `Slashed`) log is.
    pub log: LogPosition,
    /// The account slashed.
    pub account: String,
    /// Who slashed (the bounty contract for a missing reveal).
    pub slasher: String,
    /// Who received the tokens (the treasury).
    pub recipient: String,
    /// Amount taken, wei.
    pub amount: String,
    /// The bounty the analyst did not reveal on, when the slash was the bounty contract's
    /// `slashUnrevealed` (its `UnrevealedSlashed` log in the same transaction).
    pub bounty_id: Option<u64>,
}

/// One governed parameter's value. Names are `<contract>.<parameter>`: `bounty.fee_bps`,
/// `bounty.quorum`, `bounty.min_commit_window`, `bounty.max_commit_window`,
/// `bounty.reveal_window`, `bounty.dispute_window`, `bounty.arbitration_window` (seconds),
/// `bounty.min_reward`, `bounty.min_assertion_stake`, `bounty.min_analyst_stake`,
/// `bounty.no_reveal_slash` (wei), `bounty.treasury` (address), `token.unstake_cooldown`
/// (seconds), `governance.voting_delay`, `governance.voting_period` (seconds),
/// `governance.proposal_threshold` (wei of votes), `governance.quorum_numerator` (percent),
/// `timelock.min_delay` (seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct ParameterValue {
    /// `<contract>.<parameter>`.
    pub name: String,
    /// The value: a decimal integer or an address.
    pub value: String,
    /// The value before the change, when the listener knew it.
    pub previous: Option<String>,
}

/// Governance changed one or more platform parameters (`ParamsUpdated`,
/// `UnstakeCooldownChanged`, the Governor's settings, the timelock's delay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct ParameterChanged {
    /// Where the log is.
    pub log: LogPosition,
    /// Every parameter the log set whose value differs from the one before (all of them on the
    /// first log the listener sees).
    pub parameters: Vec<ParameterValue>,
}

/// A block that a reorganisation took out of the canonical chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct BlockRef {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: String,
}

/// One event taken back by a reorganisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct RetractedEvent {
    /// The envelope id the event was published with.
    pub envelope_id: Uuid,
    /// The event's name (`BountyOpened`, ...).
    pub name: String,
    /// Where its log was (on the orphaned branch).
    pub log: LogPosition,
}

/// A reorganisation deeper than the confirmation depth took back events that were already
/// published. Consumers undo exactly the named envelopes; the new branch's events follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, utoipa::ToSchema)]
pub struct ChainEventsRetracted {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The last block both branches share.
    pub common_ancestor: BlockRef,
    /// The orphaned blocks that had produced events, lowest first.
    pub orphaned_blocks: Vec<BlockRef>,
    /// How many blocks were replaced.
    pub depth: u64,
    /// The retracted events, newest first (the order to undo them in).
    pub retracted: Vec<RetractedEvent>,
}

macro_rules! chain_events {
    ($($event:ident),+ $(,)?) => {
        $(impl Event for $event {
            const NAME: &'static str = stringify!($event);
            const VERSION: u32 = 1;
            const STREAM: &'static str = EVENTS_STREAM;
        })+

        /// Every event of [`EVENTS_STREAM`], tagged like its envelope (`name`, `payload`).
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "name", content = "payload")]
        pub enum ChainEvent {
            $(
                #[doc = concat!("[`", stringify!($event), "`]")]
                $event($event),
            )+
        }

        impl ChainEvent {
            /// The event's [`Event::NAME`].
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$event(_) => <$event as Event>::NAME,)+
                }
            }

            /// The event in its envelope with id `envelope_id`, as JSON text: serialized once,
            /// straight from the typed payload (what an outbox row stores).
            pub fn to_envelope_json(self, envelope_id: Uuid) -> Result<String, serde_json::Error> {
                match self {
                    $(Self::$event(payload) => {
                        let mut envelope = crate::event::Envelope::new(payload);
                        envelope.id = envelope_id;
                        serde_json::to_string(&envelope)
                    })+
                }
            }

            /// Decodes an envelope read from [`EVENTS_STREAM`], whatever event it carries.
            pub fn from_envelope(envelope: RawEnvelope) -> Result<Self, EnvelopeError> {
                match envelope.name.as_str() {
                    $(stringify!($event) => Ok(Self::$event(envelope.decode::<$event>()?.payload)),)+
                    _ => Err(EnvelopeError::WrongType {
                        expected: "a chain event",
                        expected_version: 1,
                        found: envelope.name,
                        found_version: envelope.version,
                    }),
                }
            }
        }
    };
}

chain_events!(
    BountyOpened,
    AssertionCommitted,
    AssertionRevealed,
    BountyResolved,
    RewardClaimed,
    BountyRefunded,
    TreasuryPaid,
    DisputeOpened,
    DisputeDecided,
    Staked,
    UnstakeRequested,
    UnstakeWithdrawn,
    Slashed,
    ParameterChanged,
    ChainEventsRetracted,
);

impl ChainEvent {
    /// Where the event's log is; `None` for [`ChainEventsRetracted`], which has no log of its own.
    pub fn log(&self) -> Option<&LogPosition> {
        match self {
            Self::BountyOpened(event) => Some(&event.log),
            Self::AssertionCommitted(event) => Some(&event.log),
            Self::AssertionRevealed(event) => Some(&event.log),
            Self::BountyResolved(event) => Some(&event.log),
            Self::RewardClaimed(event) => Some(&event.log),
            Self::BountyRefunded(event) => Some(&event.log),
            Self::TreasuryPaid(event) => Some(&event.log),
            Self::DisputeOpened(event) => Some(&event.log),
            Self::DisputeDecided(event) => Some(&event.log),
            Self::Staked(event) => Some(&event.log),
            Self::UnstakeRequested(event) => Some(&event.log),
            Self::UnstakeWithdrawn(event) => Some(&event.log),
            Self::Slashed(event) => Some(&event.log),
            Self::ParameterChanged(event) => Some(&event.log),
            Self::ChainEventsRetracted(_) => None,
        }
    }
}

/// The JSON Schema (draft 2020-12) of [`ChainEvent`]: every event of the stream, as the
/// envelope's `name` and `payload`. Published as `docs/schemas/chain-events.v1.json`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ChainEvent)).unwrap_or_default()
}

/// The last reorganisation the listener followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReorgView {
    /// When it was detected.
    pub detected_at: DateTime<Utc>,
    /// How many blocks were replaced.
    pub depth: u64,
    /// The last block both branches share.
    pub common_ancestor: BlockRef,
    /// How many published events it retracted (0 when within the confirmation depth).
    pub retracted_events: u64,
}

/// `GET /v1/chain/status`: how far the listener has followed the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainStatus {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The node's latest block number when last polled (none before the first poll).
    pub head: Option<u64>,
    /// The highest block whose logs are published (head minus the confirmation depth, once
    /// caught up).
    pub confirmed: Option<u64>,
    /// Blocks a log waits below the head before it becomes an event.
    pub confirmation_depth: u64,
    /// Blocks between the head and the highest block the listener has read.
    pub lag_blocks: Option<u64>,
    /// Seconds between the head block's time and the time of the highest block read.
    pub lag_seconds: Option<u64>,
    /// When the head was last polled successfully.
    pub polled_at: Option<DateTime<Utc>>,
    /// Why ingestion stopped (a reorganisation deeper than the configured maximum), if it did.
    pub halted: Option<String>,
    /// The last reorganisation followed, if any.
    pub last_reorg: Option<ReorgView>,
}

/// `GET /v1/chain/parameters`: the governed parameters in force at the confirmed height.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainParameters {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Every parameter the listener has seen set, by name (see [`ParameterValue`]); `previous`
    /// is the value before the last change.
    pub parameters: Vec<ParameterValue>,
}

/// Where [`AccountView`]'s numbers come from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountSource {
    /// The listener's projection of confirmed logs.
    Projection,
    /// A read of the token contract at the latest block (the projection had no stake row).
    Chain,
}

/// `GET /v1/chain/accounts/{address}`: an account's NXS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountView {
    /// The account.
    pub address: String,
    /// NXS balance (free and locked), wei; `null` when the chain cannot be read.
    pub balance: Option<String>,
    /// Staked (qualifying) NXS, wei.
    pub staked: String,
    /// NXS cooling down after an unstake request, wei.
    pub unstaking: String,
    /// When (unix seconds) the cooling-down amount may be withdrawn (0 when none).
    pub unlock_time: u64,
    /// Where the stake numbers come from.
    pub source: AccountSource,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Envelope;

    fn position() -> LogPosition {
        LogPosition {
            chain_id: 31337,
            block_number: 7,
            block_hash: format!("0x{}", "ab".repeat(32)),
            transaction_hash: format!("0x{}", "cd".repeat(32)),
            log_index: 2,
            contract: format!("0x{}", "11".repeat(20)),
            block_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn every_event_decodes_from_its_envelope_through_the_enum() {
        let staked = Staked {
            log: position(),
            account: format!("0x{}", "22".repeat(20)),
            amount: "1000000000000000000000".into(),
            total_staked: "340282366920938463463374607431768211455".into(),
        };
        let raw = Envelope::new(staked.clone()).into_raw().unwrap();
        assert_eq!(raw.name, "Staked");
        let event = ChainEvent::from_envelope(raw).unwrap();
        assert_eq!(event.name(), "Staked");
        assert_eq!(event.log(), Some(&staked.log));
        assert_eq!(event, ChainEvent::Staked(staked));
    }

    #[test]
    fn an_event_serialized_as_its_envelope_reads_back_with_its_id() {
        let withdrawn = ChainEvent::UnstakeWithdrawn(UnstakeWithdrawn {
            log: position(),
            account: format!("0x{}", "33".repeat(20)),
            amount: "5".into(),
        });
        let id = Uuid::now_v7();
        let json = withdrawn.clone().to_envelope_json(id).unwrap();
        let raw: RawEnvelope = serde_json::from_str(&json).unwrap();
        assert_eq!((raw.id, raw.name.as_str()), (id, "UnstakeWithdrawn"));
        assert_eq!(ChainEvent::from_envelope(raw).unwrap(), withdrawn);
    }

    #[test]
    fn an_envelope_of_another_stream_is_refused() {
        let mut raw = Envelope::new(RewardClaimed {
            log: position(),
            bounty_id: 1,
            analyst: String::new(),
            amount: "1".into(),
        })
        .into_raw()
        .unwrap();
        raw.name = "AnalysisCompleted".into();
        let error = ChainEvent::from_envelope(raw).unwrap_err();
        assert!(
            error.to_string().contains("found AnalysisCompleted"),
            "{error}"
        );
    }

    #[test]
    fn the_enum_serializes_as_name_and_payload_like_the_envelope() {
        let event = ChainEvent::ChainEventsRetracted(ChainEventsRetracted {
            chain_id: 1,
            common_ancestor: BlockRef {
                number: 9,
                hash: "0x09".into(),
            },
            orphaned_blocks: vec![],
            depth: 3,
            retracted: vec![],
        });
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["name"], "ChainEventsRetracted");
        assert_eq!(json["payload"]["depth"], 3);
        let schema = json_schema();
        assert!(schema.to_string().contains("ChainEventsRetracted"));
    }
}
