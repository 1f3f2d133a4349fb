//! The settlement steps the scheduler performs on a real chain (a private anvil per test: these
//! tests move its clock): `payTreasury` once a bounty is final, paying exactly the settlement's
//! treasury part, once whatever the number of passes or replicas; and `withdrawUnstakedFor` once
//! an analyst's unstake cooldown is over, by the scheduler or on request through
//! `POST /v1/bounties/unstakes/withdrawals` (refused before the unlock time, and naming only the
//! account asked for).
//!
//! The service's own scheduler ticks once at start and then hourly here, so each pass is the
//! test's own [`scheduler::tick`] at the chain's time. No chain listener runs: the test publishes
//! the events it would once it saw the call land on chain.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use nexus_bounty::scheduler;
use nexus_bounty::store::Store;
use nexus_chain::commitment::{VerdictCode, commitment};
use nexus_core::settlement::{AssertionInput, Verdict as CoreVerdict, settle_bounty};
use nexus_proto::chain::{
    AssertionCommitted, AssertionRevealed, BountyResolved, Outcome, TreasuryPaid, UnstakeRequested,
    Verdict,
};
use nexus_testkit::chain::TestChain;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::actions::support::{
    Listener, NXS, code, commit, eventually, hex_of, open_bounty, post, qualify, reveal_body,
    sealed, settlement, wait_for_status,
};
use crate::market::{Market, Member};

/// The service's scheduler stays out of the way: it ticks at start, then after the test.
const QUIET: Duration = Duration::from_secs(3_600);

async fn market() -> Market {
    let chain = TestChain::private().await.expect("anvil");
    Market::spawn_on(chain, |settings| settings.scheduler.interval = QUIET).await
}

fn store(market: &Market) -> Store {
    Store::new(market.context.database.pool.clone()).unwrap()
}

/// One scheduler pass at the chain's time, without grace (the chain's clock is the contract's).
async fn tick(market: &Market, store: &Store) -> Vec<String> {
    let now = i64::try_from(market.chain.now().await.unwrap()).unwrap();
    scheduler::tick(store, market.chain.deployment(), now, Duration::ZERO)
        .await
        .unwrap()
}

/// Moves the chain's clock past `deadline`.
async fn advance_past(market: &Market, deadline: u64) {
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(deadline.saturating_sub(now) + 1))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_pays_the_treasury_its_fee_once_when_the_bounty_is_final() {
    let market = market().await;
    let store = store(&market);
    let chain = &market.chain;
    let mut listener = Listener::connect(&market).await;
    let creator = market.member("creator", &["analyst"]).await;
    let analyst = market.member("analyst", &["analyst"]).await;
    qualify(&market, &analyst).await;
    let bounty = open_bounty(&market, &mut listener, &creator).await;
    let stake = 5 * NXS + 7;
    let right = sealed(VerdictCode::Malicious, "treasury salt");
    let (status, job, _) = commit(&market, &analyst, &bounty, &right, stake).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let hash = commitment(U256::from(bounty.chain_id), analyst.address(), &right);
    eventually("the commitment on chain", || async {
        let assertion = chain
            .bounty()
            .getAssertion(U256::from(bounty.chain_id), analyst.address())
            .call()
            .await
            .unwrap();
        (assertion.commitment == hash).then_some(())
    })
    .await;
    let log = listener.log(chain.now().await.unwrap());
    listener
        .publish(AssertionCommitted {
            log,
            bounty_id: bounty.chain_id,
            analyst: hex_of(analyst.address()),
            commitment: hash.to_string(),
            stake: stake.to_string(),
        })
        .await;
    eventually("the commitment in the read model", || async {
        let (_, view) = market
            .call(
                None,
                Method::GET,
                &format!("/v1/bounties/{}", bounty.id),
                None,
            )
            .await;
        (view["commitment_count"] == 1).then_some(())
    })
    .await;
    advance_past(&market, bounty.assertion_deadline).await;
    let reveals = format!("/v1/bounties/{}/reveals", bounty.id);
    let (status, job) = post(&market, &analyst, &reveals, &reveal_body(&analyst, &right)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    eventually("the reveal on chain", || async {
        let assertion = chain
            .bounty()
            .getAssertion(U256::from(bounty.chain_id), analyst.address())
            .call()
            .await
            .unwrap();
        (assertion.verdict == 2).then_some(())
    })
    .await;
    let log = listener.log(chain.now().await.unwrap());
    listener
        .publish(AssertionRevealed {
            log,
            bounty_id: bounty.chain_id,
            analyst: hex_of(analyst.address()),
            verdict: Verdict::Malicious,
            confidence: right.confidence,
            metadata_hash: right.metadata_hash.to_string(),
        })
        .await;

    // The reveal window closes: the scheduler resolves; the listener's event carries the
    // settlement, computed with nexus_core as the listener does.
    advance_past(&market, bounty.reveal_deadline).await;
    assert_eq!(tick(&market, &store).await, ["resolve"]);
    let record = eventually("the resolution on chain", || async {
        let record = chain
            .bounty()
            .getBounty(U256::from(bounty.chain_id))
            .call()
            .await
            .unwrap();
        (record.state.status == 2).then_some(record)
    })
    .await;
    let params = chain.bounty().params().call().await.unwrap();
    let expected = settle_bounty(
        50 * NXS,
        params.feeBps,
        params.quorum,
        &[AssertionInput {
            stake,
            revealed: Some(CoreVerdict::Malicious),
        }],
        None,
    )
    .unwrap()
    .settlement;
    assert!(expected.treasury_amount > 0, "a fee is due: {expected:?}");
    let mut view = settlement(Outcome::Malicious);
    view.fee = expected.fee.to_string();
    view.treasury_amount = expected.treasury_amount.to_string();
    let log = listener.log(chain.now().await.unwrap());
    listener
        .publish(BountyResolved {
            log,
            bounty_id: bounty.chain_id,
            outcome: Outcome::Malicious,
            benign_stake: "0".into(),
            malicious_stake: stake.to_string(),
            revealed_count: 1,
            dispute_deadline: record.state.disputeDeadline,
            settlement: view,
        })
        .await;
    wait_for_status(&market, bounty.id, "resolved").await;

    // Not final while the result may be disputed: nothing for the treasury yet.
    assert!(tick(&market, &store).await.is_empty());

    // Final: two replicas pass at once, then again; one payment is queued and sent.
    advance_past(&market, record.state.disputeDeadline).await;
    let treasury = chain.treasury();
    let before = chain.nxs_balance(treasury).await.unwrap();
    let replica = self::store(&market);
    let (first, second) = tokio::join!(tick(&market, &store), tick(&market, &replica));
    let kinds: Vec<String> = first.into_iter().chain(second).collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|kind| kind == "pay_treasury"),
        "{kinds:?}"
    );
    assert!(tick(&market, &store).await.is_empty(), "queued once");
    assert!(tick(&market, &replica).await.is_empty(), "queued once");
    let jobs = store.bounty_transactions(bounty.id).await.unwrap();
    let payments = jobs.iter().filter(|job| job.kind == "pay_treasury").count();
    assert_eq!(payments, 1, "{jobs:?}");
    let after = eventually("the treasury paid", || async {
        let after = chain.nxs_balance(treasury).await.unwrap();
        (after != before).then_some(after)
    })
    .await;
    assert_eq!(
        after - before,
        U256::from(expected.treasury_amount),
        "the settlement's fee, to the wei"
    );
    let state = chain
        .bounty()
        .getBounty(U256::from(bounty.chain_id))
        .call()
        .await
        .unwrap()
        .state;
    assert!(state.treasuryPaid, "paid on chain");

    // The listener's TreasuryPaid: the bounty is marked paid (the next passes queue nothing).
    let log = listener.log(chain.now().await.unwrap());
    listener
        .publish(TreasuryPaid {
            log,
            bounty_id: bounty.chain_id,
            treasury: hex_of(treasury),
            amount: expected.treasury_amount.to_string(),
            dust: false,
        })
        .await;
    assert!(tick(&market, &store).await.is_empty());
    market.stop().await;
}

/// `member` starts the cooldown of `amount` of its stake (its own transaction) and the test
/// announces the listener's `UnstakeRequested`; returns the unlock time.
async fn unstake(market: &Market, listener: &mut Listener, member: &Member, amount: u128) -> u64 {
    let token = nexus_chain::bindings::token::ReputationToken::new(
        market.chain.deployment().reputation_token,
        member.wallet.provider(&market.chain).unwrap(),
    );
    let pending = token
        .requestUnstake(U256::from(amount))
        .send()
        .await
        .unwrap();
    assert!(pending.get_receipt().await.unwrap().status());
    let info = market
        .chain
        .token()
        .stakeInfo(member.address())
        .call()
        .await
        .unwrap();
    let log = listener.log(market.chain.now().await.unwrap());
    listener
        .publish(UnstakeRequested {
            log,
            account: hex_of(member.address()),
            amount: amount.to_string(),
            total_unstaking: info.unstaking.to_string(),
            unlock_time: info.unlockTime,
        })
        .await;
    info.unlockTime
}

async fn unstaking(market: &Market, account: Address) -> u128 {
    market
        .chain
        .token()
        .stakeInfo(account)
        .call()
        .await
        .unwrap()
        .unstaking
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooled_down_unstakes_are_released_by_the_scheduler_or_on_request() {
    let market = market().await;
    let store = store(&market);
    let mut listener = Listener::connect(&market).await;
    let analyst = market.member("analyst", &["analyst"]).await;
    let other = market.member("other", &["analyst"]).await;
    let stranger = market.member("stranger", &["user"]).await;
    qualify(&market, &analyst).await;
    qualify(&market, &other).await;
    let withdrawals = "/v1/bounties/unstakes/withdrawals";
    let body = |member: &Member| json!({ "account": hex_of(member.address()) });

    // Nothing cooling down: 404; a guest: 401; a malformed account: 400.
    let (status, answer) = post(&market, &stranger, withdrawals, &body(&analyst)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(code(&answer), "unstake_not_found");
    let (status, answer) = market
        .call(None, Method::POST, withdrawals, Some(&body(&analyst)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a guest: {answer}");
    let (status, answer) = post(
        &market,
        &analyst,
        withdrawals,
        &json!({ "account": "0x1234" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    let first_unlock = unstake(&market, &mut listener, &analyst, 40 * NXS).await;
    let other_unlock = unstake(&market, &mut listener, &other, 30 * NXS).await;
    eventually("the requests in the read model", || async {
        let (status, answer) = post(&market, &analyst, withdrawals, &body(&analyst)).await;
        (status == StatusCode::CONFLICT).then_some(answer)
    })
    .await;
    let (_, answer) = post(&market, &stranger, withdrawals, &body(&other)).await;
    assert_eq!(code(&answer), "unstake_cooling_down", "{answer}");
    assert!(tick(&market, &store).await.is_empty(), "still cooling down");

    // The cooldown ends: the scheduler releases the analyst's unstake; a stranger asks for the
    // other analyst's and the call names that account only.
    advance_past(&market, first_unlock.max(other_unlock)).await;
    let stranger_balance = market
        .chain
        .token()
        .unlockedBalanceOf(stranger.address())
        .call()
        .await
        .unwrap();
    let (status, job) = post(&market, &stranger, withdrawals, &body(&other)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "withdraw_unstaked");
    let (_, again) = post(&market, &other, withdrawals, &body(&other)).await;
    assert_eq!(again["id"], job["id"], "asked twice, queued once");
    assert_eq!(tick(&market, &store).await, ["withdraw_unstaked"]);
    assert!(tick(&market, &store).await.is_empty(), "queued once");
    let (_, scheduled) = post(&market, &analyst, withdrawals, &body(&analyst)).await;
    assert_eq!(
        scheduled["kind"], "withdraw_unstaked",
        "the scheduler's job"
    );
    assert_ne!(scheduled["id"], job["id"]);
    for (member, unlocked) in [(&analyst, 40 * NXS), (&other, 30 * NXS)] {
        eventually("the unstake released", || async {
            (unstaking(&market, member.address()).await == 0).then_some(())
        })
        .await;
        let free = market
            .chain
            .token()
            .unlockedBalanceOf(member.address())
            .call()
            .await
            .unwrap();
        let staked = market
            .chain
            .token()
            .stakedOf(member.address())
            .call()
            .await
            .unwrap();
        assert_eq!(staked, U256::from(100 * NXS - unlocked));
        assert_eq!(
            free,
            U256::from(crate::market::MEMBER_NXS - 100 * NXS + unlocked)
        );
    }
    assert_eq!(
        market
            .chain
            .token()
            .unlockedBalanceOf(stranger.address())
            .call()
            .await
            .unwrap(),
        stranger_balance,
        "the stranger who asked got nothing"
    );

    // A later unstake of the same account is a new cooldown, released again.
    let second_unlock = unstake(&market, &mut listener, &analyst, 10 * NXS).await;
    assert!(second_unlock > first_unlock);
    assert!(tick(&market, &store).await.is_empty());
    advance_past(&market, second_unlock).await;
    assert_eq!(tick(&market, &store).await, ["withdraw_unstaked"]);
    eventually("the second unstake released", || async {
        (unstaking(&market, analyst.address()).await == 0).then_some(())
    })
    .await;
    market.stop().await;
}
