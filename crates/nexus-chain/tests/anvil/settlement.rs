//! At least 1,000 random bounties settled on the contract and by `nexus_core::settlement`.

use crate::*;

/// One analyst's part in a generated bounty.
struct Planned {
    analyst: usize,
    stake: u128,
    verdict: Verdict,
    revealed: bool,
}

/// A generated bounty and what the contract snapshot it with.
struct PlannedBounty {
    id: U256,
    reward: u128,
    fee_bps: u16,
    quorum: u32,
    assertions: Vec<Planned>,
    ruling: Option<Outcome>,
}

fn plan_assertions(rng: &mut Rng, index: usize) -> Vec<Planned> {
    let verdict = |rng: &mut Rng| {
        if rng.chance(50) {
            Verdict::Benign
        } else {
            Verdict::Malicious
        }
    };
    if index % 50 == 7 {
        return Vec::new(); // nobody takes part
    }
    if index % 20 == 3 {
        // An exact tie between two revealed analysts.
        let stake = rng.amount(NXS, 10_000 * NXS);
        return vec![
            Planned {
                analyst: 0,
                stake,
                verdict: Verdict::Benign,
                revealed: true,
            },
            Planned {
                analyst: 1,
                stake,
                verdict: Verdict::Malicious,
                revealed: true,
            },
        ];
    }
    let mut planned = Vec::new();
    for analyst in 0..8 {
        if rng.chance(55) {
            planned.push(Planned {
                analyst,
                stake: rng.amount(NXS, 10_000 * NXS),
                verdict: verdict(rng),
                revealed: rng.chance(80),
            });
        }
    }
    planned
}

fn sealed(verdict: Verdict, bounty: &PlannedBounty, analyst: usize) -> SealedAssertion {
    SealedAssertion {
        verdict: match verdict {
            Verdict::Benign => VerdictCode::Benign,
            Verdict::Malicious => VerdictCode::Malicious,
        },
        confidence: 75,
        metadata_hash: keccak256(format!("report {} {analyst}", bounty.id)),
        salt: keccak256(format!("salt {} {analyst}", bounty.id)),
    }
}

#[tokio::test]
async fn contract_payouts_equal_the_rust_settlement_for_random_bounties() {
    let count: usize = std::env::var("TEST_NEXUS_SETTLEMENT_BOUNTIES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000);
    let seed: u64 = std::env::var("TEST_NEXUS_SETTLEMENT_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0x4e58_5321);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let token = system.token();
    let bounty = system.bounty();
    let deployer = system.deployer();
    let creator = deployer;
    let mut batch = Batch::new(&provider, system.deployment.chain_id);

    // Fund everyone: analysts stake the qualifying minimum and approve the escrow.
    let escrow = system.deployment.bounty;
    batch
        .push(
            deployer,
            token
                .mint(creator, u(100_000_000 * NXS))
                .into_transaction_request(),
        )
        .await;
    batch
        .push(
            creator,
            token.approve(escrow, U256::MAX).into_transaction_request(),
        )
        .await;
    for analyst in system.analysts() {
        batch
            .push(
                deployer,
                token
                    .mint(*analyst, u(10_000_000 * NXS))
                    .into_transaction_request(),
            )
            .await;
    }
    // A run orders transactions per account only: stake after the mints are mined.
    batch.run().await;
    for analyst in system.analysts() {
        batch
            .push(
                *analyst,
                token.stake(u(100 * NXS)).into_transaction_request(),
            )
            .await;
        batch
            .push(
                *analyst,
                token.approve(escrow, U256::MAX).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    let mut expected_balance = Vec::new();
    for analyst in system.analysts() {
        expected_balance.push(system.balance(*analyst).await);
    }
    let mut expected_creator = system.balance(creator).await;
    let mut expected_treasury = U256::ZERO;

    // Create every bounty with one assertion deadline; change fee and quorum every 100 bounties
    // (through setParams, which the local deployer may call) so the snapshots are exercised too.
    // All from one account, so bounty ids follow the order below.
    let deadline = now(&provider).await + 6 * 86_400;
    let mut current = bounty.params().call().await.unwrap();
    let mut bounties = Vec::with_capacity(count);
    for index in 0..count {
        if index % 100 == 0 {
            current.feeBps = rng.below(1_001) as u16;
            current.quorum = 1 + rng.below(3) as u32;
            batch
                .push(
                    deployer,
                    bounty.setParams(current.clone()).into_transaction_request(),
                )
                .await;
        }
        let reward = rng.amount(NXS, 100_000 * NXS);
        let request = BountyContract::CreateBountyRequest {
            artifactHash: keccak256(format!("artifact {index}")),
            kind: (index % 3) as u8,
            reward,
            minStake: NXS,
            assertionDeadline: deadline,
        };
        batch
            .push(
                creator,
                bounty
                    .createBounty(request, no_permit())
                    .into_transaction_request(),
            )
            .await;
        expected_creator -= u(reward);
        bounties.push(PlannedBounty {
            id: U256::from(index + 1),
            reward,
            fee_bps: current.feeBps,
            quorum: current.quorum,
            assertions: plan_assertions(&mut rng, index),
            ruling: if rng.chance(10) {
                Some([Outcome::Benign, Outcome::Malicious, Outcome::Invalid][rng.below(3) as usize])
            } else {
                None
            },
        });
    }
    batch.run().await;
    assert_eq!(
        bounty.bountyCount().call().await.unwrap(),
        U256::from(count)
    );
    for planned in &bounties {
        for assertion in &planned.assertions {
            let analyst = system.analysts()[assertion.analyst];
            let hash = commitment(
                planned.id,
                analyst,
                &sealed(assertion.verdict, planned, assertion.analyst),
            );
            let call = bounty.commit(planned.id, hash, assertion.stake, no_permit());
            batch.push(analyst, call.into_transaction_request()).await;
            expected_balance[assertion.analyst] -= u(assertion.stake);
        }
    }
    batch.run().await;
    eprintln!(
        "created {count} bounties with commits in {:?}",
        started.elapsed()
    );

    // Reveal phase; each analyst reveals their own (anyone could).
    advance_to(&provider, deadline + 1).await;
    for planned in &bounties {
        for assertion in planned.assertions.iter().filter(|a| a.revealed) {
            let analyst = system.analysts()[assertion.analyst];
            let sealed = sealed(assertion.verdict, planned, assertion.analyst);
            let call = bounty.reveal(
                planned.id,
                analyst,
                sealed.verdict as u8,
                sealed.confidence,
                sealed.metadata_hash,
                sealed.salt,
            );
            batch.push(analyst, call.into_transaction_request()).await;
        }
    }
    batch.run().await;
    eprintln!("revealed in {:?}", started.elapsed());

    // Resolution (by anyone: spread over the accounts), then disputes decided by the arbiter.
    advance_to(&provider, deadline + 86_400 + 1).await;
    for (index, planned) in bounties.iter().enumerate() {
        let resolver = system.accounts[index % 9];
        batch
            .push(
                resolver,
                bounty.resolve(planned.id).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    for planned in bounties.iter().filter(|planned| planned.ruling.is_some()) {
        batch
            .push(
                creator,
                bounty.openDispute(planned.id).into_transaction_request(),
            )
            .await;
    }
    batch.run().await;
    for planned in &bounties {
        if let Some(ruling) = planned.ruling {
            let call = bounty.decideDispute(planned.id, outcome_code(ruling));
            batch
                .push(system.arbiter(), call.into_transaction_request())
                .await;
        }
    }
    batch.run().await;
    // Past every dispute and arbitration window: everything is final.
    advance_to(&provider, deadline + 6 * 86_400).await;
    eprintln!("resolved and arbitrated in {:?}", started.elapsed());

    // Compare every settlement and every claimable amount with the Rust rule (views, concurrently).
    let mut expectations = Vec::with_capacity(count);
    for planned in &bounties {
        let inputs: Vec<AssertionInput> = planned
            .assertions
            .iter()
            .map(|a| AssertionInput {
                stake: a.stake,
                revealed: a.revealed.then_some(a.verdict),
            })
            .collect();
        let expected = settle_bounty(
            planned.reward,
            planned.fee_bps,
            planned.quorum,
            &inputs,
            planned.ruling,
        )
        .unwrap();
        expectations.push(expected);
    }
    let mut outcomes = [0usize; 3];
    for expected in &expectations {
        outcomes[outcome_code(expected.settlement.outcome) as usize - 1] += 1;
    }
    for chunk in bounties
        .iter()
        .zip(&expectations)
        .collect::<Vec<_>>()
        .chunks(32)
    {
        let checks = chunk
            .iter()
            .map(|(planned, expected)| check_settlement(&system, planned, expected, seed));
        join_all(checks).await;
    }
    eprintln!("compared in {:?}; outcomes {outcomes:?}", started.elapsed());

    // Pay everything out.
    for (planned, expected) in bounties.iter().zip(&expectations) {
        for (assertion, payout) in planned.assertions.iter().zip(&expected.analysts) {
            if *payout > 0 {
                let analyst = system.analysts()[assertion.analyst];
                batch
                    .push(
                        analyst,
                        bounty.claim(planned.id, analyst).into_transaction_request(),
                    )
                    .await;
                expected_balance[assertion.analyst] += u(*payout);
            }
        }
        if expected.settlement.creator_refund > 0 {
            batch
                .push(
                    creator,
                    bounty.refundCreator(planned.id).into_transaction_request(),
                )
                .await;
        }
        if expected.settlement.treasury_amount > 0 {
            batch
                .push(
                    system.arbiter(),
                    bounty.payTreasury(planned.id).into_transaction_request(),
                )
                .await;
        }
        expected_creator += u(expected.creator_refund);
        expected_treasury += u(expected.treasury_total);
    }
    batch.run().await;
    eprintln!("claimed in {:?}", started.elapsed());

    // The money actually moved, to the wei: every balance is what the Rust rule says.
    for chunk in bounties.chunks(32) {
        let checks = chunk.iter().map(|planned| async {
            let record = bounty.getBounty(planned.id).call().await.unwrap();
            let escrowed = record
                .terms
                .reward
                .checked_add(record.state.totalStake)
                .unwrap();
            assert_eq!(
                record.state.paidOut, escrowed,
                "everything escrowed paid out on bounty {}",
                planned.id
            );
        });
        join_all(checks).await;
    }
    for (index, analyst) in system.analysts().iter().enumerate() {
        assert_eq!(
            system.balance(*analyst).await,
            expected_balance[index],
            "analyst {index}"
        );
    }
    assert_eq!(system.balance(creator).await, expected_creator, "creator");
    assert_eq!(
        system.balance(system.treasury).await,
        expected_treasury,
        "treasury (fees, dust, forfeits)"
    );
    assert_eq!(system.balance(escrow).await, U256::ZERO, "escrow is empty");
    assert_eq!(
        bounty.totalEscrowed().call().await.unwrap(),
        U256::ZERO,
        "no obligations left"
    );
    // The scenario must have covered every kind of outcome.
    assert!(
        outcomes.iter().all(|&n| n > 0),
        "outcomes benign/malicious/invalid: {outcomes:?}"
    );
}

/// Checks one final bounty against the Rust settlement: the settlement record and every claimable amount.
async fn check_settlement(system: &System, planned: &PlannedBounty, expected: &Payouts, seed: u64) {
    let bounty = system.bounty();
    let context = format!("bounty {} (seed {seed})", planned.id);
    let on_chain = bounty.settlementOf(planned.id).call().await.unwrap();
    let settlement = expected.settlement;
    assert_eq!(
        on_chain.outcome,
        outcome_code(settlement.outcome),
        "outcome of {context}"
    );
    assert_eq!(
        on_chain.winningStake,
        u(settlement.winning_stake),
        "winning stake of {context}"
    );
    assert_eq!(on_chain.pool, u(settlement.pool), "pool of {context}");
    assert_eq!(on_chain.fee, u(settlement.fee), "fee of {context}");
    assert_eq!(
        on_chain.distributable,
        u(settlement.distributable),
        "distributable of {context}"
    );
    assert_eq!(
        on_chain.treasuryAmount,
        u(settlement.treasury_amount),
        "treasury of {context}"
    );
    assert_eq!(
        on_chain.creatorRefund,
        u(settlement.creator_refund),
        "refund of {context}"
    );
    for (assertion, payout) in planned.assertions.iter().zip(&expected.analysts) {
        let analyst = system.analysts()[assertion.analyst];
        let claimable = bounty.claimable(planned.id, analyst).call().await.unwrap();
        assert_eq!(
            claimable,
            u(*payout),
            "payout of analyst {} on {context}",
            assertion.analyst
        );
    }
}
