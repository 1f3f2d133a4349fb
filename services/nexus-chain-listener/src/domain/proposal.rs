//! A governance proposal's state, as OpenZeppelin's `Governor.state` (with
//! GovernorCountingSimple and GovernorTimelockControl) decides it, from what the listener stored:
//!
//! 1. the latest lifecycle log wins: executed, canceled, queued;
//! 2. otherwise the clock: `pending` while `vote_start >= now`, `active` while `vote_end >= now`
//!    (the Governor's own comparisons; `now` is the time of the last block read, so the state
//!    matches the vote totals read with it);
//! 3. once voting has closed: `succeeded` when for > against and for + abstain reach the quorum,
//!    `defeated` otherwise. The quorum is the Governor's `quorum(vote_start)` (a share of the
//!    supply at the snapshot), which only the chain knows; it is needed only when for > against.
//!
//! Also the proposal id and list cursor rules of the read API.

use alloy::primitives::U256;
use nexus_proto::chain_proposals::ProposalState;

/// A position in the proposals list (newest first) or a votes list (chain order): the block and
/// log index of the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCursor {
    /// Block number.
    pub block_number: u64,
    /// Log index.
    pub log_index: u64,
}

/// Which proposals to list: every one, or those in one stored or time-derived phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseFilter {
    /// No logged change and voting not started at `now`.
    Pending,
    /// No logged change and voting open at `now`.
    Active,
    /// No logged change and voting closed at `now` (succeeded or defeated, by the votes).
    Ended,
    /// The latest change is this stored state (`queued`, `executed`, `canceled`).
    Stored(&'static str),
    /// A phase no proposal can be in (expired: never reached with this Governor).
    Never,
}

impl PhaseFilter {
    /// The phase's name in the store's query.
    pub fn name(self) -> &'static str {
        match self {
            PhaseFilter::Pending => "pending",
            PhaseFilter::Active => "active",
            PhaseFilter::Ended => "ended",
            PhaseFilter::Stored(state) => state,
            PhaseFilter::Never => "never",
        }
    }
}

/// What the stored rows and the clock say, before the quorum is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Final or clock-derived: the state itself.
    Known(ProposalState),
    /// Voting has closed with more for than against: succeeded if the quorum is reached.
    NeedsQuorum,
}

/// Vote totals, wei.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// For.
    pub for_votes: U256,
    /// Against.
    pub against: U256,
    /// Abstain.
    pub abstain: U256,
}

/// The phase of a proposal with `stored` state (its latest lifecycle log) at `now`.
pub fn phase(
    stored: Option<&str>,
    vote_start: u64,
    vote_end: u64,
    now: u64,
    tally: Tally,
) -> Phase {
    match stored {
        Some("executed") => return Phase::Known(ProposalState::Executed),
        Some("canceled") => return Phase::Known(ProposalState::Canceled),
        Some("queued") => return Phase::Known(ProposalState::Queued),
        _ => {}
    }
    if vote_start >= now {
        Phase::Known(ProposalState::Pending)
    } else if vote_end >= now {
        Phase::Known(ProposalState::Active)
    } else if tally.for_votes > tally.against {
        Phase::NeedsQuorum
    } else {
        Phase::Known(ProposalState::Defeated)
    }
}

/// A closed vote with more for than against, judged against `quorum`.
pub fn with_quorum(tally: Tally, quorum: U256) -> ProposalState {
    if tally.for_votes.saturating_add(tally.abstain) >= quorum {
        ProposalState::Succeeded
    } else {
        ProposalState::Defeated
    }
}

/// What the list filter for `state` asks the store for.
pub fn filter(state: ProposalState) -> PhaseFilter {
    match state {
        ProposalState::Pending => PhaseFilter::Pending,
        ProposalState::Active => PhaseFilter::Active,
        ProposalState::Succeeded | ProposalState::Defeated => PhaseFilter::Ended,
        ProposalState::Queued => PhaseFilter::Stored("queued"),
        ProposalState::Executed => PhaseFilter::Stored("executed"),
        ProposalState::Canceled => PhaseFilter::Stored("canceled"),
        ProposalState::Expired => PhaseFilter::Never,
    }
}

/// A proposal id from a path: decimal digits of a `uint256`, canonical (no sign, no leading
/// zero). The error says what is wrong.
pub fn parse_proposal_id(text: &str) -> Result<String, String> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!(
            "{text:?} is not a proposal id: expected the Governor's id in decimal digits"
        ));
    }
    let value = U256::from_str_radix(text, 10)
        .map_err(|_| format!("{text:?} is not a proposal id: it is above 2^256 - 1"))?;
    Ok(value.to_string())
}

/// A decimal amount stored by the listener.
pub fn amount(text: &str) -> Option<U256> {
    U256::from_str_radix(text, 10).ok()
}

/// The cursor after `position`: `<block>:<log index>`.
pub fn encode_cursor(position: LogCursor) -> String {
    format!("{}:{}", position.block_number, position.log_index)
}

/// The position a cursor names, if it is one this API wrote.
pub fn decode_cursor(text: &str) -> Option<LogCursor> {
    let (block, log) = text.split_once(':')?;
    let number = |part: &str| {
        (!part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| part.parse::<u64>().ok())
            .flatten()
            .filter(|value| i64::try_from(*value).is_ok())
    };
    Some(LogCursor {
        block_number: number(block)?,
        log_index: number(log)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(for_votes: u64, against: u64, abstain: u64) -> Tally {
        Tally {
            for_votes: U256::from(for_votes),
            against: U256::from(against),
            abstain: U256::from(abstain),
        }
    }

    #[test]
    fn logged_states_win_then_the_clock_then_the_votes() {
        let none = tally(0, 0, 0);
        let cases = [
            (Some("executed"), 200, Phase::Known(ProposalState::Executed)),
            (Some("queued"), 200, Phase::Known(ProposalState::Queued)),
            (Some("canceled"), 50, Phase::Known(ProposalState::Canceled)),
            // The Governor's comparisons: pending through vote_start, active through vote_end.
            (None, 99, Phase::Known(ProposalState::Pending)),
            (None, 100, Phase::Known(ProposalState::Pending)),
            (None, 101, Phase::Known(ProposalState::Active)),
            (None, 150, Phase::Known(ProposalState::Active)),
            (None, 151, Phase::Known(ProposalState::Defeated)),
        ];
        for (stored, now, expected) in cases {
            assert_eq!(
                phase(stored, 100, 150, now, none),
                expected,
                "{stored:?} at {now}"
            );
        }
        assert_eq!(
            phase(None, 100, 150, 151, tally(5, 4, 0)),
            Phase::NeedsQuorum
        );
        assert_eq!(
            phase(None, 100, 150, 151, tally(4, 4, 9)),
            Phase::Known(ProposalState::Defeated)
        );
    }

    #[test]
    fn the_quorum_counts_for_and_abstain() {
        assert_eq!(
            with_quorum(tally(6, 1, 4), U256::from(10)),
            ProposalState::Succeeded
        );
        assert_eq!(
            with_quorum(tally(6, 1, 3), U256::from(10)),
            ProposalState::Defeated
        );
        assert_eq!(
            with_quorum(
                Tally {
                    for_votes: U256::MAX,
                    against: U256::ZERO,
                    abstain: U256::MAX
                },
                U256::MAX
            ),
            ProposalState::Succeeded
        );
    }

    #[test]
    fn ids_are_canonical_decimal_uint256_and_anything_else_is_refused() {
        assert_eq!(parse_proposal_id("42").unwrap(), "42");
        assert_eq!(parse_proposal_id("007").unwrap(), "7");
        let max = U256::MAX.to_string();
        assert_eq!(parse_proposal_id(&max).unwrap(), max);
        for bad in [
            "",
            "-1",
            "+1",
            "0x2a",
            "1.5",
            " 1",
            "１",
            &format!("{max}0"),
        ] {
            assert!(parse_proposal_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let position = LogCursor {
            block_number: 1_234,
            log_index: 7,
        };
        assert_eq!(decode_cursor(&encode_cursor(position)), Some(position));
        for bad in [
            "",
            "1",
            "1:",
            ":1",
            "a:1",
            "1:-1",
            "1:2:3",
            "99999999999999999999:1",
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad:?}");
        }
        assert_eq!(amount("12"), Some(U256::from(12)));
    }
}
