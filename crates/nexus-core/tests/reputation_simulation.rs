//! The reputation rules and the file verdict against a known population, over 1,000 random
//! bounties (`TEST_NEXUS_REPUTATION_BOUNTIES` changes the count, `TEST_NEXUS_REPUTATION_SEED` the
//! seed; the default seed makes the run the same every time).
//!
//! The population:
//! - honest analysts: calibrated (right as often as the confidence they reveal says);
//! - noisy analysts: right 60 % of the time, always 95 % sure;
//! - always-malicious analysts: every file is malicious, 100 % sure;
//! - clones: six names running one engine (right 80 % of the time, 90 % sure), revealing the same
//!   verdict with the same stake on every bounty they answer.
//!
//! Everyone answers 80 % of the bounties, so points (which grow with the work done) and skill
//! (points per unit of weight) should both put the honest analysts first.
//!
//! Each bounty settles by the contract's rule (stake-weighted majority, `settlement::resolve_outcome`),
//! which the clones and always-malicious analysts can carry the wrong way; 30 days later the
//! truth comes out and every wrongly settled bounty is re-judged. Before each bounty settles, the
//! file verdict is computed from the reputations and agreement table as they stand, and compared
//! with a plain majority vote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{HashMap, VecDeque};

use nexus_core::ChainAddress;
use nexus_core::bounty::ArtifactKind;
use nexus_core::reputation::{
    AgreementTable, Category, Confidence, EngineHint, FileType, RevealedAssertion,
    SettledAssertion, TrustLevel, VerdictLabel, file_verdict, rejudge, reputations,
};
use nexus_core::settlement::{AssertionInput, Outcome, Tally, Verdict, resolve_outcome};

const HOUR: u64 = 60 * 60;
const DAY: u64 = 24 * HOUR;
const START: u64 = 1_800_000_000;
const NXS: u128 = 1_000_000_000_000_000_000;
/// Bounties settle this far apart: 1,000 bounties span about 250 days, almost three half-lives.
const SPACING: u64 = 6 * HOUR;
/// The truth comes out this long after settlement.
const REJUDGED_AFTER: u64 = 30 * DAY;
/// Bounties before the verdict rule is compared with the majority vote and the clone check
/// starts: the agreement table needs `CLUSTER_MIN_SHARED` shared bounties to see the clones.
const WARM_UP: usize = 50;
/// Every analyst (and the clones' engine) answers a bounty with this probability, so reputation
/// points, which grow with the work done, compare quality alone.
const PARTICIPATION: f64 = 0.8;

/// SplitMix64: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Honest,
    Noisy,
    AlwaysMalicious,
    Clone,
}

struct Analyst {
    address: ChainAddress,
    kind: Kind,
}

fn address(index: usize) -> ChainAddress {
    format!("0x{:040x}", index + 1).parse().unwrap()
}

fn population() -> Vec<Analyst> {
    let kinds = [
        (Kind::Honest, 5),
        (Kind::Noisy, 4),
        (Kind::AlwaysMalicious, 3),
        (Kind::Clone, 6),
    ];
    kinds
        .into_iter()
        .flat_map(|(kind, count)| std::iter::repeat_n(kind, count))
        .enumerate()
        .map(|(index, kind)| Analyst {
            address: address(index),
            kind,
        })
        .collect()
}

fn other(verdict: Verdict) -> Verdict {
    match verdict {
        Verdict::Benign => Verdict::Malicious,
        Verdict::Malicious => Verdict::Benign,
    }
}

fn outcome_of(verdict: Verdict) -> Outcome {
    match verdict {
        Verdict::Benign => Outcome::Benign,
        Verdict::Malicious => Outcome::Malicious,
    }
}

fn percent(value: u8) -> Confidence {
    Confidence::from_percent(value).unwrap()
}

/// One revealed assertion before settlement.
struct Reveal {
    analyst: usize,
    verdict: Verdict,
    confidence: Confidence,
    stake_wei: u128,
}

/// What each analyst reveals on a bounty whose truth is `truth`.
fn reveals(rng: &mut Rng, analysts: &[Analyst], truth: Verdict) -> Vec<Reveal> {
    let engine_answers = rng.chance(PARTICIPATION);
    let engine_right = rng.chance(0.8);
    let engine_stake = (1 + u128::from(rng.below(100))) * NXS;
    let mut reveals = Vec::new();
    for (index, analyst) in analysts.iter().enumerate() {
        let (verdict, confidence, stake_wei) = match analyst.kind {
            Kind::Clone if !engine_answers => continue,
            Kind::Clone => {
                let verdict = if engine_right { truth } else { other(truth) };
                (verdict, 90, engine_stake)
            }
            _ if !rng.chance(PARTICIPATION) => continue,
            Kind::Honest => {
                // Calibrated: a confidence from 75 to 98 %, right exactly that often.
                let confidence = 75 + rng.below(24) as u8;
                let right = rng.chance(f64::from(confidence) / 100.0);
                (if right { truth } else { other(truth) }, confidence, 0)
            }
            Kind::Noisy => (if rng.chance(0.6) { truth } else { other(truth) }, 95, 0),
            Kind::AlwaysMalicious => (Verdict::Malicious, 100, 0),
        };
        let stake_wei = if stake_wei == 0 {
            (1 + u128::from(rng.below(100))) * NXS
        } else {
            stake_wei
        };
        reveals.push(Reveal {
            analyst: index,
            verdict,
            confidence: percent(confidence),
            stake_wei,
        });
    }
    reveals
}

fn majority_vote(reveals: &[Reveal]) -> Option<Verdict> {
    let malicious = reveals
        .iter()
        .filter(|reveal| reveal.verdict == Verdict::Malicious)
        .count();
    let benign = reveals.len() - malicious;
    match malicious.cmp(&benign) {
        std::cmp::Ordering::Greater => Some(Verdict::Malicious),
        std::cmp::Ordering::Less => Some(Verdict::Benign),
        std::cmp::Ordering::Equal => None,
    }
}

fn label_is(label: VerdictLabel, truth: Verdict) -> bool {
    matches!(
        (label, truth),
        (VerdictLabel::Malicious, Verdict::Malicious) | (VerdictLabel::Benign, Verdict::Benign)
    )
}

#[test]
fn the_rules_rank_a_known_population_and_the_verdict_beats_majority_vote() {
    let bounty_count: usize = std::env::var("TEST_NEXUS_REPUTATION_BOUNTIES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000);
    let seed: u64 = std::env::var("TEST_NEXUS_REPUTATION_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0x4e58_5265);
    let mut rng = Rng(seed);
    let analysts = population();
    let file_types = [
        FileType::Pe,
        FileType::Elf,
        FileType::Macho,
        FileType::Document,
    ];

    let mut settled: Vec<SettledAssertion> = Vec::new();
    let mut truths: HashMap<u64, Verdict> = HashMap::new();
    let mut agreement = AgreementTable::new();
    let mut pending_rejudgements: VecDeque<(u64, u64)> = VecDeque::new();
    let mut rejudged_bounties = 0usize;
    let (mut rule_right, mut majority_right, mut hint_right, mut compared) = (0usize, 0, 0, 0);
    let mut rule_unknown = 0usize;
    // Measured, not asserted: the same rule without the clone clusters (an empty table).
    let mut rule_without_clusters_right = 0usize;
    let mut clone_checks = 0usize;

    for bounty_index in 0..bounty_count {
        let bounty_id = bounty_index as u64;
        let now = START + bounty_id * SPACING;
        // Re-judgements whose time has come: the truth replaces the settled outcome.
        while pending_rejudgements
            .front()
            .is_some_and(|(due, _)| *due <= now)
        {
            let (_, rejudged_id) = pending_rejudgements.pop_front().unwrap();
            apply_rejudgement(&mut settled, rejudged_id, truths[&rejudged_id], &analysts);
            rejudged_bounties += 1;
        }

        let truth = if rng.chance(0.5) {
            Verdict::Malicious
        } else {
            Verdict::Benign
        };
        truths.insert(bounty_id, truth);
        let file_type = file_types[rng.below(file_types.len() as u64) as usize];
        let category = Category {
            kind: ArtifactKind::File,
            file_type,
        };
        let hint_right_here = rng.chance(0.7);
        let hint = EngineHint {
            label: match (truth, hint_right_here) {
                (Verdict::Malicious, true) | (Verdict::Benign, false) => VerdictLabel::Malicious,
                _ => VerdictLabel::Benign,
            },
            confidence: percent(70),
        };
        let reveals = reveals(&mut rng, &analysts, truth);

        // The file verdict as it would be served before settlement.
        let current = reputations(&settled, now);
        let revealed: Vec<RevealedAssertion> = reveals
            .iter()
            .map(|reveal| RevealedAssertion {
                analyst: analysts[reveal.analyst].address,
                verdict: reveal.verdict,
                confidence: reveal.confidence,
                reputation: current
                    .get(&analysts[reveal.analyst].address)
                    .map(|reputation| reputation.for_category(category))
                    .unwrap_or_default(),
                evidence_verified: false,
            })
            .collect();
        let verdict = file_verdict(&revealed, Some(hint), &agreement);
        if bounty_index >= WARM_UP {
            compared += 1;
            rule_right += usize::from(label_is(verdict.label, truth));
            rule_unknown += usize::from(verdict.label == VerdictLabel::Unknown);
            let without_clusters = file_verdict(&revealed, Some(hint), &AgreementTable::new());
            rule_without_clusters_right += usize::from(label_is(without_clusters.label, truth));
            majority_right += usize::from(majority_vote(&reveals) == Some(truth));
            hint_right += usize::from(hint_right_here);

            // The clones gain no weight: the same verdict with one copy as with all of them.
            let clone_positions: Vec<usize> = reveals
                .iter()
                .enumerate()
                .filter(|(_, reveal)| analysts[reveal.analyst].kind == Kind::Clone)
                .map(|(position, _)| position)
                .collect();
            if clone_positions.len() > 1 {
                let one_copy: Vec<RevealedAssertion> = revealed
                    .iter()
                    .enumerate()
                    .filter(|(position, _)| {
                        !clone_positions.contains(position) || *position == clone_positions[0]
                    })
                    .map(|(_, assertion)| *assertion)
                    .collect();
                let single = file_verdict(&one_copy, Some(hint), &agreement);
                assert_eq!(single.label, verdict.label, "bounty {bounty_id}");
                assert!(
                    (single.malicious_probability - verdict.malicious_probability).abs() < 1e-9,
                    "bounty {bounty_id}: one copy {} against all copies {}",
                    single.malicious_probability,
                    verdict.malicious_probability
                );
                let clone_weight: f64 = clone_positions
                    .iter()
                    .map(|position| verdict.weights[*position].effective_weight)
                    .sum();
                let single_weight = verdict.weights[clone_positions[0]].base_weight;
                assert!((clone_weight - single_weight).abs() < 1e-9);
                clone_checks += 1;
            }
        }

        // Settlement by the contract's rule, then the agreement table learns the pairs.
        let mut tally = Tally::default();
        for reveal in &reveals {
            tally
                .add(&AssertionInput {
                    stake: reveal.stake_wei,
                    revealed: Some(reveal.verdict),
                })
                .unwrap();
        }
        let outcome = resolve_outcome(&tally, 1);
        for (position, first) in reveals.iter().enumerate() {
            for second in &reveals[position + 1..] {
                agreement.record(
                    analysts[first.analyst].address,
                    analysts[second.analyst].address,
                    first.verdict == second.verdict,
                );
            }
        }
        for reveal in &reveals {
            settled.push(SettledAssertion {
                analyst: analysts[reveal.analyst].address,
                bounty_id,
                kind: ArtifactKind::File,
                file_type,
                family: None,
                verdict: reveal.verdict,
                confidence: reveal.confidence,
                stake_wei: reveal.stake_wei,
                outcome,
                settled_at: now,
            });
        }
        if outcome != outcome_of(truth) {
            pending_rejudgements.push_back((now + REJUDGED_AFTER, bounty_id));
        }
    }

    let end = START + bounty_count as u64 * SPACING;
    // Scores as settled, before the re-judgements still pending at the end.
    let before_last_rejudgements = reputations(&settled, end);
    let mut last_rejudged = Vec::new();
    while let Some((_, rejudged_id)) = pending_rejudgements.pop_front() {
        apply_rejudgement(&mut settled, rejudged_id, truths[&rejudged_id], &analysts);
        rejudged_bounties += 1;
        last_rejudged.push(rejudged_id);
    }
    let final_scores = reputations(&settled, end);

    eprintln!(
        "{bounty_count} bounties, {compared} compared: verdict rule right {rule_right} ({rule_unknown} unknown), \
         without clusters {rule_without_clusters_right}, majority vote right {majority_right}, engine hint right {hint_right}; \
         {rejudged_bounties} re-judged; clone check on {clone_checks} bounties"
    );
    for analyst in &analysts {
        let score = &final_scores[&analyst.address].overall;
        eprintln!(
            "{:?} {}: points {:.1}, skill {:.3}, right {}/{}, {}",
            analyst.kind,
            analyst.address,
            score.points,
            score.skill(),
            score.right,
            score.settled,
            TrustLevel::of(score)
        );
    }

    // The honest analysts end on top: every one above every other analyst, in points and skill.
    let of_kind = |kind: Kind| analysts.iter().filter(move |analyst| analyst.kind == kind);
    let lowest_honest = of_kind(Kind::Honest)
        .map(|analyst| final_scores[&analyst.address].overall)
        .fold((f64::INFINITY, f64::INFINITY), |(points, skill), score| {
            (points.min(score.points), skill.min(score.skill()))
        });
    for analyst in analysts
        .iter()
        .filter(|analyst| analyst.kind != Kind::Honest)
    {
        let score = final_scores[&analyst.address].overall;
        assert!(
            score.points < lowest_honest.0,
            "{:?} {} outscores an honest analyst",
            analyst.kind,
            analyst.address
        );
        assert!(score.skill() < lowest_honest.1);
    }
    for analyst in of_kind(Kind::Honest) {
        assert!(TrustLevel::of(&final_scores[&analyst.address].overall) >= TrustLevel::Trusted);
    }
    for analyst in of_kind(Kind::AlwaysMalicious).chain(of_kind(Kind::Noisy)) {
        assert_eq!(
            TrustLevel::of(&final_scores[&analyst.address].overall),
            TrustLevel::Newcomer
        );
    }

    // The verdict rule beats majority vote (an unknown counts as wrong), and the clones were
    // seen together often enough for the check to mean something.
    assert!(
        rule_right > majority_right,
        "rule {rule_right}, majority {majority_right}"
    );
    assert!(clone_checks > compared / 2, "{clone_checks} clone checks");

    // Re-judgement moves the right way: the last batch raised every honest analyst it touched
    // in total and lowered the always-malicious ones.
    assert!(rejudged_bounties > 0 && !last_rejudged.is_empty());
    let honest_gain: f64 = of_kind(Kind::Honest)
        .map(|analyst| {
            final_scores[&analyst.address].overall.points
                - before_last_rejudgements[&analyst.address].overall.points
        })
        .sum();
    assert!(honest_gain > 0.0, "honest analysts gained {honest_gain}");
}

/// Re-judges `bounty_id` to `truth`: checks every change's direction, then records the new outcome.
fn apply_rejudgement(
    settled: &mut [SettledAssertion],
    bounty_id: u64,
    truth: Verdict,
    analysts: &[Analyst],
) {
    let on_bounty: Vec<SettledAssertion> = settled
        .iter()
        .filter(|assertion| assertion.bounty_id == bounty_id)
        .cloned()
        .collect();
    let changes = rejudge(&on_bounty, outcome_of(truth));
    assert_eq!(changes.len(), on_bounty.len());
    for (change, assertion) in changes.iter().zip(&on_bounty) {
        if assertion.verdict == truth {
            assert!(change.delta_points >= 0.0);
        } else {
            assert!(change.delta_points <= 0.0);
        }
        if analysts.iter().any(|analyst| {
            analyst.address == change.analyst && analyst.kind == Kind::AlwaysMalicious
        }) && truth == Verdict::Benign
        {
            assert!(change.delta_points < 0.0);
        }
    }
    for assertion in settled
        .iter_mut()
        .filter(|assertion| assertion.bounty_id == bounty_id)
    {
        assertion.outcome = outcome_of(truth);
    }
}
