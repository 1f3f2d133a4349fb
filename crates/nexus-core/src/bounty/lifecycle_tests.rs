//! The life cycle against histories a real chain can produce (a small model of the contract's
//! rules generates them) and against arbitrary input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;

use super::*;
use crate::settlement::{Tally, apply_ruling, resolve_outcome};

const T0: u64 = 1_000_000;

fn analyst(index: u8) -> Account {
    [index + 1; 20]
}

/// The diagram's edges: may one event move the phase from `from` to `to` (possibly through
/// several phases at once, when a block jumps over deadlines)?
fn reachable(from: Phase, to: Phase) -> bool {
    fn next(phase: Phase) -> &'static [Phase] {
        match phase {
            Phase::Draft => &[Phase::Pending, Phase::Open],
            Phase::Pending => &[Phase::Draft, Phase::Open],
            Phase::Open => &[Phase::Revealing, Phase::Expired],
            Phase::Revealing => &[Phase::Resolving],
            Phase::Resolving => &[Phase::Resolved],
            Phase::Resolved => &[Phase::Disputed],
            Phase::Disputed => &[Phase::Decided],
            Phase::Expired => &[Phase::Refunded],
            Phase::Decided | Phase::Refunded => &[],
        }
    }
    let mut seen = vec![from];
    let mut frontier = vec![from];
    while let Some(phase) = frontier.pop() {
        for &step in next(phase) {
            if !seen.contains(&step) {
                seen.push(step);
                frontier.push(step);
            }
        }
    }
    from != to && seen.contains(&to)
}

/// A random bounty history in chain order, with what the chain ends in.
#[derive(Debug, Clone)]
struct History {
    events: Vec<LifecycleEvent>,
    expected: Phase,
}

/// One analyst: when they commit (an offset into the window, or never), their stake, and when they
/// reveal (an offset into the reveal window, and whether Malicious) or never.
type AnalystPlan = (Option<u64>, u128, Option<(u64, bool)>);

#[derive(Debug, Clone)]
struct Plan {
    failed_first: bool,
    commit_window: u64,
    reveal_window: u64,
    quorum: u32,
    analysts: Vec<AnalystPlan>,
    resolve: Option<u64>,
    dispute: Option<(u64, Option<(u64, u8)>)>,
    payouts: bool,
    blocks: Vec<u64>,
}

fn plan() -> impl Strategy<Value = Plan> {
    (
        any::<bool>(),
        10u64..1_000,
        10u64..1_000,
        1u32..4,
        prop::collection::vec(
            (
                prop::option::weighted(0.7, 0u64..1_000),
                1u128..1_000,
                prop::option::weighted(0.7, (0u64..1_000, any::<bool>())),
            ),
            0..6,
        ),
        prop::option::weighted(0.8, 1u64..500),
        prop::option::weighted(0.3, (0u64..500, prop::option::of((0u64..500, 0u8..3)))),
        any::<bool>(),
        prop::collection::vec(0u64..4_000, 0..6),
    )
        .prop_map(
            |(
                failed_first,
                commit_window,
                reveal_window,
                quorum,
                analysts,
                resolve,
                dispute,
                payouts,
                blocks,
            )| {
                Plan {
                    failed_first,
                    commit_window,
                    reveal_window,
                    quorum,
                    analysts,
                    resolve,
                    dispute,
                    payouts,
                    blocks,
                }
            },
        )
}

/// Plays `plan` by the contract's rules: every event is one the contract would emit.
fn history(plan: &Plan) -> History {
    let assertion_deadline = T0 + plan.commit_window;
    let reveal_deadline = assertion_deadline + plan.reveal_window;
    let mut timed: Vec<(u64, LifecycleEvent)> = Vec::new();
    let mut tally = Tally::default();
    let mut revealed: Vec<(Account, Verdict)> = Vec::new();
    let mut committed = 0;
    for (index, (commit, stake, reveal)) in plan.analysts.iter().enumerate() {
        let Some(commit) = commit else { continue };
        let who = analyst(index as u8);
        let at = T0 + commit % (plan.commit_window + 1);
        timed.push((
            at,
            LifecycleEvent::Committed {
                analyst: who,
                stake: *stake,
                at,
            },
        ));
        committed += 1;
        tally.total_stake += stake;
        if let Some((offset, malicious)) = reveal {
            let at = assertion_deadline + 1 + offset % plan.reveal_window;
            let verdict = if *malicious {
                Verdict::Malicious
            } else {
                Verdict::Benign
            };
            timed.push((
                at,
                LifecycleEvent::Revealed {
                    analyst: who,
                    verdict,
                    at,
                },
            ));
            match verdict {
                Verdict::Benign => {
                    tally.benign_stake += stake;
                    tally.benign_count += 1;
                }
                Verdict::Malicious => {
                    tally.malicious_stake += stake;
                    tally.malicious_count += 1;
                }
            }
            revealed.push((who, verdict));
        }
    }
    let mut expected = if committed == 0 {
        Phase::Expired
    } else {
        Phase::Open
    };
    let mut last;
    if let Some(delay) = plan.resolve {
        let at = reveal_deadline + delay;
        let mut outcome = resolve_outcome(&tally, plan.quorum);
        let dispute_deadline = at + 100;
        timed.push((
            at,
            LifecycleEvent::Resolved {
                outcome,
                dispute_deadline,
                at,
            },
        ));
        last = at;
        if committed > 0 {
            expected = Phase::Resolved;
        }
        let mut final_at = dispute_deadline + 1;
        if let Some((offset, decide)) = plan.dispute {
            let at = at + offset % 101;
            let arbitration_deadline = at + 200;
            timed.push((
                at,
                LifecycleEvent::DisputeOpened {
                    arbitration_deadline,
                    at,
                },
            ));
            final_at = arbitration_deadline + 1;
            if committed > 0 {
                expected = Phase::Disputed;
            }
            last = at;
            if let Some((offset, ruling)) = decide {
                let at = at + offset % 201;
                let ruling =
                    [Outcome::Benign, Outcome::Malicious, Outcome::Invalid][ruling as usize];
                outcome = apply_ruling(&tally, ruling);
                timed.push((at, LifecycleEvent::DisputeDecided { outcome, at }));
                final_at = at;
                if committed > 0 {
                    expected = Phase::Decided;
                }
                last = at;
            }
        }
        if plan.payouts {
            let at = final_at.max(last);
            for (who, verdict) in &revealed {
                if outcome
                    .winning_verdict()
                    .is_none_or(|winning| winning == *verdict)
                {
                    timed.push((at, LifecycleEvent::Claimed { analyst: *who, at }));
                }
            }
            if outcome == Outcome::Invalid {
                timed.push((at, LifecycleEvent::CreatorRefunded { at }));
                if committed == 0 {
                    expected = Phase::Refunded;
                }
            }
            last = at;
        }
    } else {
        last = reveal_deadline + 1;
        timed.push((last, LifecycleEvent::Block { at: last }));
        if committed > 0 {
            expected = Phase::Resolving;
        }
    }
    for block in &plan.blocks {
        let at = T0 + block % (last - T0 + 1);
        timed.push((at, LifecycleEvent::Block { at }));
    }
    // Chain order: by time; within a second, the order the contract allows (stable sort keeps
    // commit < reveal < resolve < dispute < decide < payouts, as pushed).
    timed.sort_by_key(|(at, _)| *at);
    let mut events = vec![LifecycleEvent::Queued];
    if plan.failed_first {
        events.extend([LifecycleEvent::SubmissionFailed, LifecycleEvent::Queued]);
    }
    events.push(LifecycleEvent::Opened {
        bounty_id: 7,
        assertion_deadline,
        reveal_deadline,
        at: T0,
    });
    events.extend(timed.into_iter().map(|(_, event)| event));
    History { events, expected }
}

fn check_invariants(state: &Lifecycle) {
    assert!(
        state
            .reveals()
            .keys()
            .all(|who| state.commitments().contains_key(who))
    );
    assert!(
        state
            .claims()
            .iter()
            .all(|who| state.reveals().contains_key(who))
    );
    if state.creator_refunded() {
        assert_eq!(state.outcome(), Some(Outcome::Invalid));
    }
    if matches!(state.phase(), Phase::Expired | Phase::Refunded) {
        assert!(state.commitments().is_empty());
    }
    assert_eq!(Phase::parse(state.phase().as_str()), Some(state.phase()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A real history applies without an error, moves only along the diagram, and ends where the
    /// chain ended; replaying any earlier event at any point changes nothing.
    #[test]
    fn real_histories_apply_in_order_and_replays_are_harmless(
        plan in plan(),
        replays in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..8),
    ) {
        let history = history(&plan);
        let mut state = Lifecycle::new();
        let mut applied: Vec<LifecycleEvent> = Vec::new();
        for (position, event) in history.events.iter().enumerate() {
            let before = state.phase();
            let effect = state.apply(*event);
            prop_assert!(effect.is_ok(), "{event:?} after {applied:?}: {effect:?}");
            if let Ok(Effect::Moved { from, to }) = effect {
                prop_assert_eq!(from, before);
                prop_assert!(reachable(from, to), "{from} -> {to} on {event:?}");
            }
            check_invariants(&state);
            applied.push(*event);
            for (when, which) in &replays {
                if when.index(history.events.len()) == position {
                    let old = applied[which.index(applied.len())];
                    if old.at().is_none() {
                        // The service's own steps happen once, in its own transaction; only
                        // chain events are delivered again.
                        continue;
                    }
                    let snapshot = state.clone();
                    prop_assert_eq!(state.apply(old), Ok(Effect::Replayed), "{:?}", old);
                    prop_assert_eq!(&state, &snapshot);
                }
            }
        }
        prop_assert_eq!(state.phase(), history.expected);
    }

    /// Any sequence of events: no panic, an error leaves the state untouched, and the facts stay
    /// ones a chain could hold.
    #[test]
    fn arbitrary_events_never_break_the_state(events in prop::collection::vec(arbitrary_event(), 0..40)) {
        let mut state = Lifecycle::new();
        for event in events {
            let snapshot = state.clone();
            match state.apply(event) {
                Ok(Effect::Moved { from, to }) => prop_assert_ne!(from, to),
                Ok(_) => {}
                Err(_) => prop_assert_eq!(&state, &snapshot),
            }
            check_invariants(&state);
        }
    }
}

fn arbitrary_event() -> impl Strategy<Value = LifecycleEvent> {
    let at = T0..T0 + 3_000;
    let who = (0u8..3).prop_map(analyst);
    let outcome = prop_oneof![
        Just(Outcome::Benign),
        Just(Outcome::Malicious),
        Just(Outcome::Invalid)
    ];
    let verdict = prop_oneof![Just(Verdict::Benign), Just(Verdict::Malicious)];
    prop_oneof![
        Just(LifecycleEvent::Queued),
        Just(LifecycleEvent::SubmissionFailed),
        (0u64..2, T0..T0 + 1_000, 0u64..1_000, at.clone()).prop_map(|(bounty_id, ad, rw, at)| {
            LifecycleEvent::Opened {
                bounty_id,
                assertion_deadline: ad,
                reveal_deadline: ad + rw,
                at,
            }
        }),
        (who.clone(), 1u128..3, at.clone())
            .prop_map(|(analyst, stake, at)| LifecycleEvent::Committed { analyst, stake, at }),
        (who.clone(), verdict, at.clone()).prop_map(|(analyst, verdict, at)| {
            LifecycleEvent::Revealed {
                analyst,
                verdict,
                at,
            }
        }),
        (outcome.clone(), 0u64..500, at.clone()).prop_map(|(outcome, window, at)| {
            LifecycleEvent::Resolved {
                outcome,
                dispute_deadline: at + window,
                at,
            }
        }),
        (0u64..500, at.clone()).prop_map(|(window, at)| LifecycleEvent::DisputeOpened {
            arbitration_deadline: at + window,
            at
        }),
        (outcome, at.clone())
            .prop_map(|(outcome, at)| LifecycleEvent::DisputeDecided { outcome, at }),
        (who, at.clone()).prop_map(|(analyst, at)| LifecycleEvent::Claimed { analyst, at }),
        at.clone()
            .prop_map(|at| LifecycleEvent::CreatorRefunded { at }),
        at.prop_map(|at| LifecycleEvent::Block { at }),
    ]
}

fn opened() -> Lifecycle {
    let mut state = Lifecycle::new();
    state.apply(LifecycleEvent::Queued).unwrap();
    let effect = state.apply(LifecycleEvent::Opened {
        bounty_id: 1,
        assertion_deadline: T0 + 100,
        reveal_deadline: T0 + 200,
        at: T0,
    });
    assert_eq!(
        effect,
        Ok(Effect::Moved {
            from: Phase::Pending,
            to: Phase::Open
        })
    );
    state
}

#[test]
fn illegal_events_are_errors_and_change_nothing() {
    let mut draft = Lifecycle::new();
    let commit = LifecycleEvent::Committed {
        analyst: analyst(0),
        stake: 5,
        at: T0,
    };
    assert_eq!(draft.apply(commit), Err(LifecycleError::NotOnChain));
    assert_eq!(draft.phase(), Phase::Draft);

    let mut state = opened();
    assert_eq!(state.apply(LifecycleEvent::Queued), Ok(Effect::Replayed));
    assert_eq!(
        state.apply(LifecycleEvent::SubmissionFailed),
        Ok(Effect::Replayed)
    );
    let late = LifecycleEvent::Committed {
        analyst: analyst(0),
        stake: 5,
        at: T0 + 101,
    };
    assert_eq!(state.apply(late), Err(LifecycleError::OutsideWindow));
    let reveal = LifecycleEvent::Revealed {
        analyst: analyst(0),
        verdict: Verdict::Benign,
        at: T0 + 150,
    };
    assert_eq!(state.apply(reveal), Err(LifecycleError::NoAssertion));
    assert_eq!(state.apply(commit), Ok(Effect::Recorded));
    let restake = LifecycleEvent::Committed {
        analyst: analyst(0),
        stake: 6,
        at: T0,
    };
    assert_eq!(state.apply(restake), Err(LifecycleError::Conflict));
    let early = LifecycleEvent::Resolved {
        outcome: Outcome::Benign,
        dispute_deadline: T0 + 400,
        at: T0 + 200,
    };
    assert_eq!(state.apply(early), Err(LifecycleError::OutsideWindow));
    let dispute = LifecycleEvent::DisputeOpened {
        arbitration_deadline: T0 + 500,
        at: T0 + 250,
    };
    assert_eq!(state.apply(dispute), Err(LifecycleError::WrongPhase));
    assert_eq!(
        state.apply(reveal),
        Ok(Effect::Moved {
            from: Phase::Open,
            to: Phase::Revealing
        })
    );
    let resolved = LifecycleEvent::Resolved {
        outcome: Outcome::Benign,
        dispute_deadline: T0 + 400,
        at: T0 + 201,
    };
    assert_eq!(
        state.apply(resolved),
        Ok(Effect::Moved {
            from: Phase::Revealing,
            to: Phase::Resolved
        })
    );
    let early_claim = LifecycleEvent::Claimed {
        analyst: analyst(0),
        at: T0 + 300,
    };
    assert_eq!(state.apply(early_claim), Err(LifecycleError::NotPayable));
    let other = LifecycleEvent::Resolved {
        outcome: Outcome::Malicious,
        dispute_deadline: T0 + 400,
        at: T0 + 201,
    };
    assert_eq!(state.apply(other), Err(LifecycleError::Conflict));
    let refund = LifecycleEvent::CreatorRefunded { at: T0 + 401 };
    assert_eq!(state.apply(refund), Err(LifecycleError::NotPayable));
    let claim = LifecycleEvent::Claimed {
        analyst: analyst(0),
        at: T0 + 401,
    };
    assert_eq!(state.apply(claim), Ok(Effect::Recorded));
    assert_eq!(state.apply(claim), Ok(Effect::Replayed));
    assert!(state.is_final());
    assert_eq!(state.phase(), Phase::Resolved);
}

#[test]
fn a_bounty_nobody_committed_to_expires_and_is_refunded() {
    let mut state = opened();
    assert_eq!(
        state.apply(LifecycleEvent::Block { at: T0 + 101 }),
        Ok(Effect::Moved {
            from: Phase::Open,
            to: Phase::Expired
        })
    );
    let resolved = LifecycleEvent::Resolved {
        outcome: Outcome::Invalid,
        dispute_deadline: T0 + 300,
        at: T0 + 201,
    };
    assert_eq!(state.apply(resolved), Ok(Effect::Recorded));
    assert_eq!(state.phase(), Phase::Expired);
    assert_eq!(
        state.apply(LifecycleEvent::CreatorRefunded { at: T0 + 301 }),
        Ok(Effect::Moved {
            from: Phase::Expired,
            to: Phase::Refunded
        })
    );
}

#[test]
fn a_failed_submission_returns_to_draft_and_may_be_queued_again() {
    let mut state = Lifecycle::new();
    assert_eq!(
        state.apply(LifecycleEvent::SubmissionFailed),
        Ok(Effect::Replayed)
    );
    state.apply(LifecycleEvent::Queued).unwrap();
    assert_eq!(state.apply(LifecycleEvent::Queued), Ok(Effect::Replayed));
    assert_eq!(
        state.apply(LifecycleEvent::SubmissionFailed),
        Ok(Effect::Moved {
            from: Phase::Pending,
            to: Phase::Draft
        })
    );
    for phase in Phase::ALL {
        assert_eq!(Phase::parse(phase.as_str()), Some(phase));
    }
    assert_eq!(Phase::parse("nonsense"), None);
}
