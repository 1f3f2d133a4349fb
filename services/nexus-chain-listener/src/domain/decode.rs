//! A log of one of the platform's contracts into the fact it states.
//!
//! Decoding uses the `sol!` bindings generated from the committed ABIs (`nexus_chain::bindings`),
//! so a contract change that renames or retypes an event fails to build here rather than
//! decoding garbage. Hex is spelt the platform's way (`0x`, lower case) and amounts as decimal
//! wei strings (see `nexus_proto::chain`).
//!
//! Most logs map one to one onto a published event ([`Fact::Event`]). A few need what the
//! listener already stored: a resolution or ruling gets every analyst's settlement, a slash gets
//! the bounty of the `UnrevealedSlashed` log that follows it in the same transaction, and a
//! parameter change gets the previous values. Those are separate [`Fact`] variants, completed by
//! the store. The Governor's proposal lifecycle (created, votes, queued, executed, canceled;
//! decoded in [`governance`]) feeds the proposals projection and publishes nothing. Logs the
//! platform does not act on (transfers, approvals, roles) decode to `None`.

use alloy::primitives::{Address, B256, U256};
use alloy::rpc::types::Log;
use alloy::sol_types::SolEventInterface;
use chrono::DateTime;
use nexus_chain::bindings::bounty::BountyContract::{self, BountyContractEvents};
use nexus_chain::bindings::governance::GovernanceContract::GovernanceContractEvents;
use nexus_chain::bindings::timelock::NexusTimelock::NexusTimelockEvents;
use nexus_chain::bindings::token::ReputationToken::ReputationTokenEvents;
use nexus_proto::chain::{
    ArtifactKind, AssertionCommitted, AssertionRevealed, BountyOpened, BountyRefunded, ChainEvent,
    DisputeOpened, LogPosition, Outcome, RewardClaimed, Staked, TreasuryPaid, UnstakeRequested,
    UnstakeWithdrawn, Verdict,
};

mod governance;

pub use governance::{ProposalChange, ProposalCreated, ProposalVote};

/// The platform's contract addresses on the followed chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contracts {
    /// BountyContract.
    pub bounty: Address,
    /// ReputationToken (NXS).
    pub token: Address,
    /// GovernanceContract.
    pub governance: Address,
    /// NexusTimelock.
    pub timelock: Address,
}

impl Contracts {
    /// Every address, for the `eth_getLogs` filter.
    pub fn all(&self) -> Vec<Address> {
        vec![self.bounty, self.token, self.governance, self.timelock]
    }
}

/// A decoded log: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The log's position.
    pub position: LogPosition,
    /// What it states.
    pub fact: Fact,
}

/// What a log states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// A complete event, published as it is (boxed: events are larger than the other facts).
    Event(Box<ChainEvent>),
    /// `BountyResolved`: the settlement is added from the stored assertions.
    Resolved {
        /// The bounty.
        bounty_id: u64,
        /// The outcome.
        outcome: Outcome,
        /// Revealed stake on Benign, wei.
        benign_stake: String,
        /// Revealed stake on Malicious, wei.
        malicious_stake: String,
        /// Revealed assertions.
        revealed_count: u64,
        /// Unix seconds.
        dispute_deadline: u64,
    },
    /// `DisputeDecided`: the settlement is added from the stored assertions.
    Decided {
        /// The bounty.
        bounty_id: u64,
        /// The arbiter.
        arbiter: String,
        /// The ruling.
        ruling: Outcome,
        /// The final outcome.
        outcome: Outcome,
    },
    /// The token's `Slashed`.
    Slashed {
        /// Account slashed.
        account: String,
        /// Who slashed.
        slasher: String,
        /// Who received it.
        recipient: String,
        /// Wei.
        amount: String,
    },
    /// The bounty contract's `UnrevealedSlashed` (names the bounty of the slash before it).
    UnrevealedSlashed {
        /// The bounty.
        bounty_id: u64,
        /// The analyst.
        analyst: String,
    },
    /// Governed parameters set by the log, `(name, value)`.
    Parameters(Vec<(String, String)>),
    /// The Governor's `ProposalCreated` (boxed: it carries the proposal's calls).
    ProposalCreated(Box<ProposalCreated>),
    /// The Governor's `VoteCast` or `VoteCastWithParams`.
    ProposalVoted(ProposalVote),
    /// The Governor's `ProposalQueued`, `ProposalExecuted` or `ProposalCanceled`.
    ProposalChanged {
        /// The proposal, decimal.
        proposal_id: String,
        /// What happened to it.
        change: ProposalChange,
    },
}

/// Why a log could not be decoded. The follower stops on it rather than skip a log silently.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The node returned a log without its block or position (a pending log).
    #[error("the log has no {0} (pending?)")]
    Incomplete(&'static str),
    /// The log's data does not match the ABI of the contract that emitted it.
    #[error("log {0} does not match its contract's ABI: {1}")]
    Abi(String, alloy::sol_types::Error),
    /// A value is out of the range this platform gives it (an enum, or an id above u64).
    #[error("log {0}: {1}")]
    Value(String, String),
}

/// `0x` + lower-case hex of an address.
pub fn address_hex(address: Address) -> String {
    format!("0x{}", alloy::hex::encode(address))
}

/// `0x` + lower-case hex of a 32-byte word.
pub fn word_hex(word: B256) -> String {
    format!("0x{}", alloy::hex::encode(word))
}

/// The log's position, given the time of its block (from the log when the node includes
/// `blockTimestamp`, else from the block header).
pub fn position(log: &Log, chain_id: u64, block_time: u64) -> Result<LogPosition, DecodeError> {
    Ok(LogPosition {
        chain_id,
        block_number: log
            .block_number
            .ok_or(DecodeError::Incomplete("block number"))?,
        block_hash: word_hex(
            log.block_hash
                .ok_or(DecodeError::Incomplete("block hash"))?,
        ),
        transaction_hash: word_hex(
            log.transaction_hash
                .ok_or(DecodeError::Incomplete("transaction hash"))?,
        ),
        log_index: log.log_index.ok_or(DecodeError::Incomplete("log index"))?,
        contract: address_hex(log.address()),
        block_time: i64::try_from(block_time)
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .unwrap_or_default(),
    })
}

/// Decodes one log of `contracts`; `None` for logs the platform does not act on or of another
/// address.
pub fn decode(
    log: &Log,
    contracts: &Contracts,
    chain_id: u64,
    block_time: u64,
) -> Result<Option<Decoded>, DecodeError> {
    let position = position(log, chain_id, block_time)?;
    let at = || {
        format!(
            "{}#{} in block {}",
            position.transaction_hash, position.log_index, position.block_number
        )
    };
    let topics = log.topics();
    let data = &log.data().data;
    let address = log.address();
    let fact = if address == contracts.bounty {
        let event = BountyContractEvents::decode_raw_log(topics, data)
            .map_err(|error| DecodeError::Abi(at(), error))?;
        bounty_fact(event, &position).map_err(|message| DecodeError::Value(at(), message))?
    } else if address == contracts.token {
        let event = ReputationTokenEvents::decode_raw_log(topics, data)
            .map_err(|error| DecodeError::Abi(at(), error))?;
        token_fact(event, &position)
    } else if address == contracts.governance {
        match GovernanceContractEvents::decode_raw_log(topics, data) {
            Ok(event) => {
                governance_fact(event).map_err(|message| DecodeError::Value(at(), message))?
            }
            // The Governor emits events of its extensions that the ABI lists; anything it cannot
            // decode is neither a parameter nor a proposal's, which is all the listener reads
            // from it.
            Err(_) => None,
        }
    } else if address == contracts.timelock {
        match NexusTimelockEvents::decode_raw_log(topics, data) {
            Ok(NexusTimelockEvents::MinDelayChange(event)) => Some(Fact::Parameters(vec![(
                "timelock.min_delay".to_owned(),
                event.newDuration.to_string(),
            )])),
            _ => None,
        }
    } else {
        None
    };
    Ok(fact.map(|fact| Decoded { position, fact }))
}

fn published(event: ChainEvent) -> Fact {
    Fact::Event(Box::new(event))
}

fn id(value: U256) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("bounty id {value} is above 2^64"))
}

fn outcome(value: u8) -> Result<Outcome, String> {
    match value {
        1 => Ok(Outcome::Benign),
        2 => Ok(Outcome::Malicious),
        3 => Ok(Outcome::Invalid),
        other => Err(format!("outcome {other} is not a final outcome")),
    }
}

fn verdict(value: u8) -> Result<Verdict, String> {
    match value {
        1 => Ok(Verdict::Benign),
        2 => Ok(Verdict::Malicious),
        other => Err(format!("verdict {other} is not a revealed verdict")),
    }
}

fn bounty_fact(event: BountyContractEvents, log: &LogPosition) -> Result<Option<Fact>, String> {
    let log = log.clone();
    let fact = match event {
        BountyContractEvents::BountyCreated(e) => {
            published(ChainEvent::BountyOpened(BountyOpened {
                log,
                bounty_id: id(e.bountyId)?,
                creator: address_hex(e.creator),
                artifact_kind: match e.kind {
                    0 => ArtifactKind::File,
                    1 => ArtifactKind::Url,
                    2 => ArtifactKind::Contract,
                    other => return Err(format!("artifact kind {other} is unknown")),
                },
                artifact_hash: word_hex(e.artifactHash),
                reward: e.reward.to_string(),
                min_stake: e.minStake.to_string(),
                assertion_deadline: e.assertionDeadline,
                reveal_deadline: e.revealDeadline,
            }))
        }
        BountyContractEvents::AssertionCommitted(e) => {
            published(ChainEvent::AssertionCommitted(AssertionCommitted {
                log,
                bounty_id: id(e.bountyId)?,
                analyst: address_hex(e.analyst),
                commitment: word_hex(e.commitment),
                stake: e.stake.to_string(),
            }))
        }
        BountyContractEvents::AssertionRevealed(e) => {
            published(ChainEvent::AssertionRevealed(AssertionRevealed {
                log,
                bounty_id: id(e.bountyId)?,
                analyst: address_hex(e.analyst),
                verdict: verdict(e.verdict)?,
                confidence: e.confidence,
                metadata_hash: word_hex(e.metadataHash),
            }))
        }
        BountyContractEvents::BountyResolved(e) => Fact::Resolved {
            bounty_id: id(e.bountyId)?,
            outcome: outcome(e.outcome)?,
            benign_stake: e.benignStake.to_string(),
            malicious_stake: e.maliciousStake.to_string(),
            revealed_count: u64::try_from(e.revealedCount)
                .map_err(|_| "revealed count above 2^64".to_owned())?,
            dispute_deadline: e.disputeDeadline,
        },
        BountyContractEvents::DisputeOpened(e) => {
            published(ChainEvent::DisputeOpened(DisputeOpened {
                log,
                bounty_id: id(e.bountyId)?,
                disputant: address_hex(e.disputant),
                arbitration_deadline: e.arbitrationDeadline,
            }))
        }
        BountyContractEvents::DisputeDecided(e) => Fact::Decided {
            bounty_id: id(e.bountyId)?,
            arbiter: address_hex(e.arbiter),
            ruling: outcome(e.ruling)?,
            outcome: outcome(e.outcome)?,
        },
        BountyContractEvents::RewardClaimed(e) => {
            published(ChainEvent::RewardClaimed(RewardClaimed {
                log,
                bounty_id: id(e.bountyId)?,
                analyst: address_hex(e.analyst),
                amount: e.amount.to_string(),
            }))
        }
        BountyContractEvents::CreatorRefunded(e) => {
            published(ChainEvent::BountyRefunded(BountyRefunded {
                log,
                bounty_id: id(e.bountyId)?,
                creator: address_hex(e.creator),
                amount: e.amount.to_string(),
            }))
        }
        BountyContractEvents::TreasuryPaid(e) => {
            published(ChainEvent::TreasuryPaid(TreasuryPaid {
                log,
                bounty_id: id(e.bountyId)?,
                treasury: address_hex(e.treasury),
                amount: e.amount.to_string(),
                dust: e.dust,
            }))
        }
        BountyContractEvents::UnrevealedSlashed(e) => Fact::UnrevealedSlashed {
            bounty_id: id(e.bountyId)?,
            analyst: address_hex(e.analyst),
        },
        BountyContractEvents::ParamsUpdated(e) => Fact::Parameters(bounty_parameters(&e.params)),
        _ => return Ok(None),
    };
    Ok(Some(fact))
}

/// The bounty contract's parameters as `(name, value)` pairs.
pub fn bounty_parameters(params: &BountyContract::Params) -> Vec<(String, String)> {
    [
        ("fee_bps", params.feeBps.to_string()),
        ("quorum", params.quorum.to_string()),
        ("min_commit_window", params.minCommitWindow.to_string()),
        ("max_commit_window", params.maxCommitWindow.to_string()),
        ("reveal_window", params.revealWindow.to_string()),
        ("dispute_window", params.disputeWindow.to_string()),
        ("arbitration_window", params.arbitrationWindow.to_string()),
        ("min_reward", params.minReward.to_string()),
        ("min_assertion_stake", params.minAssertionStake.to_string()),
        ("min_analyst_stake", params.minAnalystStake.to_string()),
        ("no_reveal_slash", params.noRevealSlash.to_string()),
        ("treasury", address_hex(params.treasury)),
    ]
    .into_iter()
    .map(|(name, value)| (format!("bounty.{name}"), value))
    .collect()
}

fn token_fact(event: ReputationTokenEvents, log: &LogPosition) -> Option<Fact> {
    let log = log.clone();
    Some(match event {
        ReputationTokenEvents::Staked(e) => published(ChainEvent::Staked(Staked {
            log,
            account: address_hex(e.account),
            amount: e.amount.to_string(),
            total_staked: e.totalStaked.to_string(),
        })),
        ReputationTokenEvents::UnstakeRequested(e) => {
            published(ChainEvent::UnstakeRequested(UnstakeRequested {
                log,
                account: address_hex(e.account),
                amount: e.amount.to_string(),
                total_unstaking: e.totalUnstaking.to_string(),
                unlock_time: e.unlockTime,
            }))
        }
        ReputationTokenEvents::UnstakeWithdrawn(e) => {
            published(ChainEvent::UnstakeWithdrawn(UnstakeWithdrawn {
                log,
                account: address_hex(e.account),
                amount: e.amount.to_string(),
            }))
        }
        ReputationTokenEvents::Slashed(e) => Fact::Slashed {
            account: address_hex(e.account),
            slasher: address_hex(e.slasher),
            recipient: address_hex(e.recipient),
            amount: e.amount.to_string(),
        },
        ReputationTokenEvents::UnstakeCooldownChanged(e) => Fact::Parameters(vec![(
            "token.unstake_cooldown".to_owned(),
            e.newCooldown.to_string(),
        )]),
        _ => return None,
    })
}

fn governance_fact(event: GovernanceContractEvents) -> Result<Option<Fact>, String> {
    let (name, value) = match event {
        GovernanceContractEvents::VotingDelaySet(e) => ("voting_delay", e.newVotingDelay),
        GovernanceContractEvents::VotingPeriodSet(e) => ("voting_period", e.newVotingPeriod),
        GovernanceContractEvents::ProposalThresholdSet(e) => {
            ("proposal_threshold", e.newProposalThreshold)
        }
        GovernanceContractEvents::QuorumNumeratorUpdated(e) => {
            ("quorum_numerator", e.newQuorumNumerator)
        }
        other => return governance::proposal_fact(other),
    };
    Ok(Some(Fact::Parameters(vec![(
        format!("governance.{name}"),
        value.to_string(),
    )])))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use alloy::primitives::{LogData, address, b256};
    use alloy::sol_types::SolEvent;

    use super::*;

    const BOUNTY: Address = address!("0x00000000000000000000000000000000000000b0");
    const TOKEN: Address = address!("0x00000000000000000000000000000000000000a0");

    fn contracts() -> Contracts {
        Contracts {
            bounty: BOUNTY,
            token: TOKEN,
            governance: address!("0x00000000000000000000000000000000000000c0"),
            timelock: address!("0x00000000000000000000000000000000000000d0"),
        }
    }

    fn rpc_log(address: Address, data: LogData) -> Log {
        Log {
            inner: alloy::primitives::Log { address, data },
            block_hash: Some(b256!(
                "0x1111111111111111111111111111111111111111111111111111111111111111"
            )),
            block_number: Some(42),
            block_timestamp: None,
            transaction_hash: Some(B256::repeat_byte(0x22)),
            transaction_index: Some(0),
            log_index: Some(3),
            removed: false,
        }
    }

    #[test]
    fn a_created_bounty_becomes_bounty_opened_with_wei_strings_and_lower_hex() {
        let creator = address!("0xAbCdEf0000000000000000000000000000000001");
        let event = BountyContract::BountyCreated {
            bountyId: U256::from(7),
            creator,
            artifactHash: B256::repeat_byte(0xAB),
            kind: 0,
            reward: U256::from(10).pow(U256::from(24)),
            minStake: U256::from(5),
            assertionDeadline: 1_700_000_000,
            revealDeadline: 1_700_086_400,
        };
        let log = rpc_log(BOUNTY, event.encode_log_data());
        let decoded = decode(&log, &contracts(), 31337, 1_699_999_999)
            .unwrap()
            .unwrap();
        assert_eq!(decoded.position.block_number, 42);
        assert_eq!(decoded.position.log_index, 3);
        assert_eq!(decoded.position.contract, address_hex(BOUNTY));
        assert_eq!(decoded.position.block_time.timestamp(), 1_699_999_999);
        let Fact::Event(event) = decoded.fact else {
            panic!("not an event: {:?}", decoded.fact);
        };
        let ChainEvent::BountyOpened(opened) = *event else {
            panic!("not BountyOpened: {event:?}");
        };
        assert_eq!(opened.bounty_id, 7);
        assert_eq!(opened.creator, "0xabcdef0000000000000000000000000000000001");
        assert_eq!(opened.artifact_kind, ArtifactKind::File);
        assert_eq!(opened.reward, "1000000000000000000000000");
        assert_eq!(opened.artifact_hash, format!("0x{}", "ab".repeat(32)));
    }

    #[test]
    fn out_of_range_values_and_foreign_logs_are_refused_or_skipped() {
        let event = BountyContract::BountyResolved {
            bountyId: U256::from(1),
            outcome: 0,
            benignStake: U256::ZERO,
            maliciousStake: U256::ZERO,
            revealedCount: U256::ZERO,
            disputeDeadline: 0,
        };
        let log = rpc_log(BOUNTY, event.encode_log_data());
        let error = decode(&log, &contracts(), 1, 0).unwrap_err();
        assert!(error.to_string().contains("not a final outcome"), "{error}");

        let huge = BountyContract::RewardClaimed {
            bountyId: U256::MAX,
            analyst: Address::ZERO,
            amount: U256::ZERO,
        };
        let error =
            decode(&rpc_log(BOUNTY, huge.encode_log_data()), &contracts(), 1, 0).unwrap_err();
        assert!(error.to_string().contains("above 2^64"), "{error}");

        // The same log from an address that is not the platform's is not read at all.
        let other = address!("0x00000000000000000000000000000000000000ff");
        assert_eq!(
            decode(&rpc_log(other, log.inner.data.clone()), &contracts(), 1, 0).unwrap(),
            None
        );

        // Garbage under a known address is an ABI error, not a silent skip.
        let garbage = LogData::new_unchecked(vec![B256::repeat_byte(9)], vec![1, 2, 3].into());
        assert!(matches!(
            decode(&rpc_log(BOUNTY, garbage), &contracts(), 1, 0),
            Err(DecodeError::Abi(..))
        ));
    }

    #[test]
    fn a_pending_log_is_refused() {
        let event = BountyContract::RewardClaimed {
            bountyId: U256::from(1),
            analyst: Address::ZERO,
            amount: U256::ZERO,
        };
        let mut log = rpc_log(BOUNTY, event.encode_log_data());
        log.block_hash = None;
        assert!(matches!(
            decode(&log, &contracts(), 1, 0),
            Err(DecodeError::Incomplete("block hash"))
        ));
    }

    const GOVERNOR: Address = address!("0x00000000000000000000000000000000000000c0");

    fn governed(data: LogData) -> Result<Option<Fact>, DecodeError> {
        decode(&rpc_log(GOVERNOR, data), &contracts(), 31337, 0)
            .map(|decoded| decoded.map(|decoded| decoded.fact))
    }

    #[test]
    fn a_created_proposal_keeps_its_calls_with_a_decimal_id_and_hex_calldata() {
        use nexus_chain::bindings::governance::GovernanceContract;
        let proposer = address!("0xAbCdEf0000000000000000000000000000000002");
        let id = U256::MAX - U256::from(1);
        let event = GovernanceContract::ProposalCreated {
            proposalId: id,
            proposer,
            targets: vec![BOUNTY, TOKEN],
            values: vec![U256::ZERO, U256::from(10).pow(U256::from(20))],
            signatures: vec![String::new(), "f()".to_owned()],
            calldatas: vec![vec![0xAB, 0xCD].into(), Vec::new().into()],
            voteStart: U256::from(1_700_000_000u64),
            voteEnd: U256::from(1_700_432_000u64),
            description: "Lower the fee".to_owned(),
        };
        let fact = governed(event.encode_log_data()).unwrap().unwrap();
        let Fact::ProposalCreated(created) = fact else {
            panic!("not a proposal: {fact:?}");
        };
        assert_eq!(created.proposal_id, id.to_string());
        assert_eq!(
            created.proposer,
            "0xabcdef0000000000000000000000000000000002"
        );
        assert_eq!(created.targets, [address_hex(BOUNTY), address_hex(TOKEN)]);
        assert_eq!(created.values, ["0", "100000000000000000000"]);
        assert_eq!(created.signatures, ["", "f()"]);
        assert_eq!(created.calldatas, ["0xabcd", "0x"]);
        assert_eq!(
            (created.vote_start, created.vote_end),
            (1_700_000_000, 1_700_432_000)
        );
        assert_eq!(created.description, "Lower the fee");

        let far = GovernanceContract::ProposalCreated {
            voteEnd: U256::MAX,
            ..event
        };
        let error = governed(far.encode_log_data()).unwrap_err();
        assert!(error.to_string().contains("timepoint"), "{error}");
    }

    #[test]
    fn votes_and_lifecycle_logs_become_proposal_facts() {
        use nexus_chain::bindings::governance::GovernanceContract;
        let voter = address!("0x00000000000000000000000000000000000000e1");
        let vote = GovernanceContract::VoteCast {
            voter,
            proposalId: U256::from(77),
            support: 2,
            weight: U256::from(5),
            reason: "no view".to_owned(),
        };
        assert_eq!(
            governed(vote.encode_log_data()).unwrap(),
            Some(Fact::ProposalVoted(ProposalVote {
                proposal_id: "77".to_owned(),
                voter: address_hex(voter),
                support: 2,
                weight: "5".to_owned(),
                reason: "no view".to_owned(),
                params: None,
            }))
        );
        let with_params = GovernanceContract::VoteCastWithParams {
            voter,
            proposalId: U256::from(77),
            support: 0,
            weight: U256::from(6),
            reason: String::new(),
            params: vec![1, 2].into(),
        };
        let Some(Fact::ProposalVoted(vote)) = governed(with_params.encode_log_data()).unwrap()
        else {
            panic!("not a vote");
        };
        assert_eq!((vote.support, vote.params.as_deref()), (0, Some("0x0102")));
        let bad = GovernanceContract::VoteCast {
            voter,
            proposalId: U256::from(77),
            support: 3,
            weight: U256::ZERO,
            reason: String::new(),
        };
        let error = governed(bad.encode_log_data()).unwrap_err();
        assert!(error.to_string().contains("support 3"), "{error}");

        let queued = GovernanceContract::ProposalQueued {
            proposalId: U256::from(77),
            etaSeconds: U256::from(1_800_000_000u64),
        };
        let executed = GovernanceContract::ProposalExecuted {
            proposalId: U256::from(77),
        };
        let canceled = GovernanceContract::ProposalCanceled {
            proposalId: U256::from(78),
        };
        let changes: Vec<Fact> = [
            queued.encode_log_data(),
            executed.encode_log_data(),
            canceled.encode_log_data(),
        ]
        .into_iter()
        .map(|data| governed(data).unwrap().unwrap())
        .collect();
        let expected = [
            ("77", ProposalChange::Queued { eta: 1_800_000_000 }),
            ("77", ProposalChange::Executed),
            ("78", ProposalChange::Canceled),
        ];
        for (fact, (id, change)) in changes.iter().zip(expected) {
            assert_eq!(
                fact,
                &Fact::ProposalChanged {
                    proposal_id: id.to_owned(),
                    change
                }
            );
        }
        assert_eq!(ProposalChange::Queued { eta: 9 }.eta(), Some(9));
        assert_eq!(ProposalChange::Canceled.state(), "canceled");

        // The Governor's settings are still parameters.
        let period = GovernanceContract::VotingPeriodSet {
            oldVotingPeriod: U256::from(1),
            newVotingPeriod: U256::from(2),
        };
        assert_eq!(
            governed(period.encode_log_data()).unwrap(),
            Some(Fact::Parameters(vec![(
                "governance.voting_period".to_owned(),
                "2".to_owned()
            )]))
        );
    }
}
