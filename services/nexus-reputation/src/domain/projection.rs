//! A bounty's scored assertions as a function of the chain facts stored for it: its opening
//! (the artifact), the reveals (verdict and confidence), the settlement in force (the latest of
//! `BountyResolved` and `DisputeDecided`) and the slashes of unrevealed analysts.
//!
//! Because the projection is a pure function of the stored facts, every change is handled the same
//! way: a new fact, a dispute's ruling and a reorganisation's retraction all store or remove
//! facts and project the bounty again; the store writes the difference to the history. Replaying
//! the facts gives the same rows, so the projection is also what makes replays harmless.
//!
//! Two inputs are not chain facts, and are stored beside them ([`Judging`]): a file artifact's
//! type and family (asked of nexus-analysis once, by the `file-types` worker) and a re-judged
//! outcome (the 30- and 90-day re-judgement). A file bounty is not scored while its type is
//! unknown: it waits, it is never scored as `other` by default.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use nexus_core::ChainAddress;
use nexus_core::bounty::ArtifactKind;
use nexus_core::reputation::{Confidence, FileType, SettledAssertion, contribution, rejudge};
use nexus_core::settlement::{Outcome, Verdict};
use nexus_proto::chain::{self, AnalystOutcome, ChainEvent, SettlementView};

/// One stored chain fact: its event and the block time it was confirmed in.
#[derive(Debug, Clone)]
pub struct StoredFact {
    /// The event.
    pub event: ChainEvent,
    /// Its block's time.
    pub block_time: DateTime<Utc>,
}

/// One analyst's assertion on a settled bounty, as stored in `reputation.assertions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredAssertion {
    /// The contract's bounty id.
    pub bounty_id: u64,
    /// `0x` + 40 lower-case hex digits.
    pub analyst: String,
    /// `file`, `url`, `contract`, or `unknown` before the bounty's opening is known.
    pub artifact_kind: &'static str,
    /// The artifact reference, empty before the opening is known.
    pub artifact_hash: String,
    /// The reputation file type.
    pub file_type: FileType,
    /// The family tag, when known.
    pub family: Option<String>,
    /// The revealed verdict (none when never revealed).
    pub verdict: Option<Verdict>,
    /// The revealed confidence, 0–100 (100 until the reveal's own event is stored).
    pub confidence: Option<u8>,
    /// Stake on the bounty, wei.
    pub stake: u128,
    /// The bounty's outcome in force.
    pub outcome: Outcome,
    /// How the analyst fared.
    pub analyst_outcome: AnalystOutcome,
    /// Whether the verdict matched; `None` when not judged.
    pub correct: Option<bool>,
    /// Whether qualifying stake was slashed for not revealing.
    pub slashed: bool,
    /// When the bounty first settled (a ruling keeps this time: the work was done then).
    pub settled_at: DateTime<Utc>,
    /// Undecayed points (nexus-core's `contribution`).
    pub points: f64,
}

impl ScoredAssertion {
    /// The assertion as nexus-core scores it; `None` when it was never revealed (nothing to
    /// score: the slash and the forfeited stake are its penalty).
    pub fn settled(&self) -> Option<SettledAssertion> {
        Some(SettledAssertion {
            analyst: self.analyst.parse::<ChainAddress>().ok()?,
            bounty_id: self.bounty_id,
            kind: artifact_kind(self.artifact_kind).unwrap_or(ArtifactKind::File),
            file_type: self.file_type,
            family: self.family.clone(),
            verdict: self.verdict?,
            confidence: Confidence::from_percent(self.confidence.unwrap_or(100))?,
            stake_wei: self.stake,
            outcome: self.outcome,
            settled_at: u64::try_from(self.settled_at.timestamp()).unwrap_or(0),
        })
    }
}

/// A file artifact's type and family tag, once known (`reputation.file_types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactType {
    /// The reputation file type.
    pub file_type: FileType,
    /// The normalised family tag, when the analysis has one.
    pub family: Option<String>,
}

/// What a bounty's projection needs beyond its chain facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judging {
    /// The artifact's type, for a file bounty; `None` while pending (the bounty is then not
    /// scored yet). Ignored for URLs and contracts.
    pub file: Option<ArtifactType>,
    /// The outcome a re-judgement found, when it differs from the chain's: the assertions are
    /// re-scored under it through nexus-core's `rejudge`.
    pub rejudged: Option<Outcome>,
}

/// The SHA-256 (64 lower-case hex digits) of the file a bounty's opening names, when its
/// artifact is a file.
pub fn file_artifact(facts: &[StoredFact]) -> Option<String> {
    facts.iter().find_map(|fact| match &fact.event {
        ChainEvent::BountyOpened(event) if event.artifact_kind == chain::ArtifactKind::File => {
            let hex = event
                .artifact_hash
                .trim_start_matches("0x")
                .to_ascii_lowercase();
            (hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit())).then_some(hex)
        }
        _ => None,
    })
}

/// A fact that cannot be projected (a malformed amount or address in a stored event).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bounty {bounty_id}: {problem}")]
pub struct ProjectionError {
    /// The bounty.
    pub bounty_id: u64,
    /// What is wrong.
    pub problem: String,
}

/// The scored assertions of bounty `bounty_id` from its stored `facts` (in chain order) and
/// `judging`, by analyst; empty while the bounty has not settled, or is a file bounty whose type
/// is not known yet.
pub fn project(
    bounty_id: u64,
    facts: &[StoredFact],
    judging: &Judging,
) -> Result<BTreeMap<String, ScoredAssertion>, ProjectionError> {
    let problem = |problem: String| ProjectionError { bounty_id, problem };
    let mut opened = None;
    let mut reveals = BTreeMap::new();
    let mut slashed = BTreeSet::new();
    let mut first_settled: Option<DateTime<Utc>> = None;
    let mut settlement: Option<&SettlementView> = None;
    for fact in facts {
        match &fact.event {
            ChainEvent::BountyOpened(event) => opened = Some(event),
            ChainEvent::AssertionRevealed(event) => {
                reveals.insert(event.analyst.to_lowercase(), event.confidence);
            }
            ChainEvent::BountyResolved(event) => {
                first_settled.get_or_insert(fact.block_time);
                settlement = Some(&event.settlement);
            }
            ChainEvent::DisputeDecided(event) => {
                first_settled.get_or_insert(fact.block_time);
                settlement = Some(&event.settlement);
            }
            ChainEvent::Slashed(event) => {
                slashed.insert(event.account.to_lowercase());
            }
            _ => {}
        }
    }
    let (Some(settlement), Some(settled_at)) = (settlement, first_settled) else {
        return Ok(BTreeMap::new());
    };
    let (kind, artifact_hash) = match opened {
        Some(event) => (
            Some(core_kind(event.artifact_kind)),
            event.artifact_hash.clone(),
        ),
        None => (None, String::new()),
    };
    let (file_type, family) = match kind {
        Some(ArtifactKind::File) => match &judging.file {
            Some(known) => (known.file_type, known.family.clone()),
            None => return Ok(BTreeMap::new()),
        },
        Some(kind) => (FileType::of_non_file(kind).unwrap_or(FileType::Other), None),
        None => (FileType::Other, None),
    };
    let chain_outcome = core_outcome(settlement.outcome);
    let rejudged = judging.rejudged.filter(|outcome| *outcome != chain_outcome);
    let mut scored = BTreeMap::new();
    for analyst in &settlement.analysts {
        let address = analyst.analyst.to_lowercase();
        if address.parse::<ChainAddress>().is_err() {
            return Err(problem(format!(
                "the analyst {address:?} is not an address"
            )));
        }
        let stake = analyst
            .stake
            .parse::<u128>()
            .map_err(|_| problem(format!("the stake {:?} is not wei", analyst.stake)))?;
        let verdict = analyst.verdict.map(core_verdict);
        let mut assertion = ScoredAssertion {
            bounty_id,
            analyst: address.clone(),
            artifact_kind: kind.map_or("unknown", kind_name),
            artifact_hash: artifact_hash.clone(),
            file_type,
            family: family.clone(),
            verdict,
            confidence: verdict.map(|_| reveals.get(&address).copied().unwrap_or(100)),
            stake,
            outcome: chain_outcome,
            analyst_outcome: analyst.outcome,
            correct: None,
            slashed: slashed.contains(&address),
            settled_at,
            points: 0.0,
        };
        if let Some(settled) = assertion.settled() {
            // Under a re-judged outcome, nexus-core's `rejudge` gives the new contribution (the
            // chain's outcome stays the analyst's payout; the re-judged one is their record).
            let scored = match rejudged {
                Some(new_outcome) => rejudge(std::slice::from_ref(&settled), new_outcome)
                    .first()
                    .map_or_else(|| contribution(&settled), |change| change.new),
                None => contribution(&settled),
            };
            assertion.correct = scored.right;
            assertion.points = scored.points;
        }
        assertion.outcome = rejudged.unwrap_or(chain_outcome);
        scored.insert(address, assertion);
    }
    Ok(scored)
}

/// The contract's bounty id a chain event is about, for the events reputation stores.
pub fn bounty_of(event: &ChainEvent) -> Option<u64> {
    match event {
        ChainEvent::BountyOpened(event) => Some(event.bounty_id),
        ChainEvent::AssertionRevealed(event) => Some(event.bounty_id),
        ChainEvent::BountyResolved(event) => Some(event.bounty_id),
        ChainEvent::DisputeDecided(event) => Some(event.bounty_id),
        ChainEvent::Slashed(event) => event.bounty_id,
        _ => None,
    }
}

/// Whether a stored fact of this name can change scores by itself (an opening or a reveal of an
/// unsettled bounty cannot, but they are stored for the settlement to come).
pub fn settles(event: &ChainEvent) -> bool {
    matches!(
        event,
        ChainEvent::BountyResolved(_) | ChainEvent::DisputeDecided(_)
    )
}

fn core_kind(kind: chain::ArtifactKind) -> ArtifactKind {
    match kind {
        chain::ArtifactKind::File => ArtifactKind::File,
        chain::ArtifactKind::Url => ArtifactKind::Url,
        chain::ArtifactKind::Contract => ArtifactKind::Contract,
    }
}

/// The stable name of an artifact kind (`file`, `url`, `contract`).
pub fn kind_name(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::File => "file",
        ArtifactKind::Url => "url",
        ArtifactKind::Contract => "contract",
    }
}

/// The artifact kind named `name` (`file`, `url`, `contract`).
pub fn artifact_kind(name: &str) -> Option<ArtifactKind> {
    match name {
        "file" => Some(ArtifactKind::File),
        "url" => Some(ArtifactKind::Url),
        "contract" => Some(ArtifactKind::Contract),
        _ => None,
    }
}

fn core_outcome(outcome: chain::Outcome) -> Outcome {
    match outcome {
        chain::Outcome::Benign => Outcome::Benign,
        chain::Outcome::Malicious => Outcome::Malicious,
        chain::Outcome::Invalid => Outcome::Invalid,
    }
}

fn core_verdict(verdict: chain::Verdict) -> Verdict {
    match verdict {
        chain::Verdict::Benign => Verdict::Benign,
        chain::Verdict::Malicious => Verdict::Malicious,
    }
}

/// The stable name of an outcome (database, API).
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Benign => "benign",
        Outcome::Malicious => "malicious",
        Outcome::Invalid => "invalid",
    }
}

/// The outcome named `name`.
pub fn parse_outcome(name: &str) -> Option<Outcome> {
    [Outcome::Benign, Outcome::Malicious, Outcome::Invalid]
        .into_iter()
        .find(|outcome| outcome_name(*outcome) == name)
}

/// The stable name of a verdict.
pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Benign => "benign",
        Verdict::Malicious => "malicious",
    }
}

/// The verdict named `name`.
pub fn parse_verdict(name: &str) -> Option<Verdict> {
    [Verdict::Benign, Verdict::Malicious]
        .into_iter()
        .find(|verdict| verdict_name(*verdict) == name)
}

/// The stable name of an analyst's outcome.
pub fn analyst_outcome_name(outcome: AnalystOutcome) -> &'static str {
    match outcome {
        AnalystOutcome::Won => "won",
        AnalystOutcome::Lost => "lost",
        AnalystOutcome::Refunded => "refunded",
        AnalystOutcome::Unrevealed => "unrevealed",
    }
}

/// The analyst's outcome named `name`.
pub fn parse_analyst_outcome(name: &str) -> Option<AnalystOutcome> {
    [
        AnalystOutcome::Won,
        AnalystOutcome::Lost,
        AnalystOutcome::Refunded,
        AnalystOutcome::Unrevealed,
    ]
    .into_iter()
    .find(|outcome| analyst_outcome_name(*outcome) == name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use nexus_proto::chain::{
        AnalystSettlement, AssertionRevealed, BountyOpened, BountyResolved, DisputeDecided,
        LogPosition,
    };

    fn log() -> LogPosition {
        LogPosition {
            chain_id: 31337,
            block_number: 1,
            block_hash: format!("0x{}", "ab".repeat(32)),
            transaction_hash: format!("0x{}", "cd".repeat(32)),
            log_index: 0,
            contract: format!("0x{}", "11".repeat(20)),
            block_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    fn fact(event: ChainEvent, seconds: i64) -> StoredFact {
        StoredFact {
            event,
            block_time: DateTime::from_timestamp(seconds, 0).unwrap(),
        }
    }

    fn settlement(outcome: chain::Outcome) -> SettlementView {
        let analyst = |byte: &str, verdict, won: bool| AnalystSettlement {
            analyst: format!("0x{}", byte.repeat(20)),
            stake: "1000000000000000000".into(),
            verdict: Some(verdict),
            outcome: if won {
                AnalystOutcome::Won
            } else {
                AnalystOutcome::Lost
            },
            payout: "0".into(),
            forfeited: "0".into(),
            slash: "0".into(),
        };
        let malicious = outcome == chain::Outcome::Malicious;
        SettlementView {
            outcome,
            winning_stake: "0".into(),
            pool: "0".into(),
            fee: "0".into(),
            distributable: "0".into(),
            treasury_amount: "0".into(),
            creator_refund: "0".into(),
            analysts: vec![
                analyst("aa", chain::Verdict::Malicious, malicious),
                analyst("bb", chain::Verdict::Benign, !malicious),
            ],
        }
    }

    #[test]
    fn a_ruling_rescores_the_assertions_and_keeps_the_settlement_time() {
        let opened = ChainEvent::BountyOpened(BountyOpened {
            log: log(),
            bounty_id: 3,
            creator: format!("0x{}", "cc".repeat(20)),
            artifact_kind: chain::ArtifactKind::Url,
            artifact_hash: format!("0x{}", "dd".repeat(32)),
            reward: "1".into(),
            min_stake: "1".into(),
            assertion_deadline: 1,
            reveal_deadline: 2,
        });
        let revealed = ChainEvent::AssertionRevealed(AssertionRevealed {
            log: log(),
            bounty_id: 3,
            analyst: format!("0x{}", "AA".repeat(20)),
            verdict: chain::Verdict::Malicious,
            confidence: 80,
            metadata_hash: String::new(),
        });
        let resolved = ChainEvent::BountyResolved(BountyResolved {
            log: log(),
            bounty_id: 3,
            outcome: chain::Outcome::Malicious,
            benign_stake: "0".into(),
            malicious_stake: "0".into(),
            revealed_count: 2,
            dispute_deadline: 0,
            settlement: settlement(chain::Outcome::Malicious),
        });
        let mut facts = vec![
            fact(opened, 10),
            fact(revealed, 20),
            fact(resolved.clone(), 30),
        ];
        let before = project(3, &facts, &Judging::default()).unwrap();
        let aa = &before[&format!("0x{}", "aa".repeat(20))];
        assert_eq!(
            (aa.correct, aa.confidence, aa.file_type),
            (Some(true), Some(80), FileType::Url)
        );
        assert!(aa.points > 0.0);
        let bb = &before[&format!("0x{}", "bb".repeat(20))];
        assert_eq!((bb.correct, bb.confidence), (Some(false), Some(100)));
        assert!(bb.points < 0.0);

        facts.push(fact(
            ChainEvent::DisputeDecided(DisputeDecided {
                log: log(),
                bounty_id: 3,
                arbiter: String::new(),
                ruling: chain::Outcome::Benign,
                outcome: chain::Outcome::Benign,
                settlement: settlement(chain::Outcome::Benign),
            }),
            99,
        ));
        let after = project(3, &facts, &Judging::default()).unwrap();
        let aa = &after[&format!("0x{}", "aa".repeat(20))];
        assert_eq!(aa.correct, Some(false));
        assert_eq!(aa.settled_at.timestamp(), 30);
        assert!(after[&format!("0x{}", "bb".repeat(20))].points > 0.0);

        // Without the settlement (retracted), nothing is scored.
        assert!(
            project(3, &facts[..2], &Judging::default())
                .unwrap()
                .is_empty()
        );
    }
}
