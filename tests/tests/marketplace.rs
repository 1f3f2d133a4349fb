//! The marketplace end to end (issue 15's proof), through the gateway only (`/api/v1/...` and its
//! WebSocket) against real PostgreSQL, Redis and anvil: a creator and two analysts sign up, an
//! admin makes the analysts analysts, everyone links a wallet with Sign-In with Ethereum, the
//! creator uploads a file and posts a bounty on it with a signed intent and permit, the analysts
//! stake and commit (one right, one wrong), reveal, the bounty resolves and is paid out. Then the
//! chain's NXS balances must have moved exactly as `nexus_core::settlement` says, to the wei; a
//! WebSocket client must have seen the new bounty's first event on `bounties` and every state
//! change on `bounties` and `bounty:{id}`, in order; and the winner's own feed (`user:{id}`) its
//! earnings change at the resolution and at the claim.
//!
//! Every wait is a poll with a deadline on something the platform shows (a bounty's status over
//! REST, an event on the socket), never a sleep standing in for one. The chain listener confirms
//! at depth 1 ([`platform::MARKET_CONFIRMATIONS`]) and anvil mines only on a transaction, so a
//! relayed call's log becomes an event only once the test mines the next block: each poll round
//! mines one (`market::until`, `market::until_bounty`), and the test subscribes to `bounty:{id}` before that happens, so it
//! cannot miss the bounty's first event whatever the timing.
//!
//! Time: the windows are hours and days of chain time, moved with the testkit's `advance`
//! (`evm_increaseTime`), never waited for. This binary holds this one test, so the process's
//! chain (`TestChain::shared()`), its clock and the treasury's balance are the test's own under
//! `cargo test` as under nextest: no other bounty pays the treasury while it measures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::{U256, keccak256};
use nexus_chain::commitment::{SealedAssertion, VerdictCode, commitment};
use nexus_core::settlement::{AssertionInput, Verdict, settle_bounty};
use nexus_testkit::chain::NXS;
use reqwest::Method;
use serde_json::{Value, json};

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "support/feed.rs"]
mod feed;

use accounts::call;
use feed::Feed;
use market::*;
use platform::Platform;

/// The reward, with odd wei so the settlement's floor divisions matter.
const REWARD: u128 = 100 * NXS + 3;
/// The bounty's minimum stake per assertion.
const MIN_STAKE: u128 = NXS;
/// Each analyst's qualifying stake, locked through a signed `Stake` intent.
const ANALYST_STAKE: u128 = 100 * NXS;
/// The right analyst's assertion stake, and the wrong one's.
const RIGHT_STAKE: u128 = 10 * NXS + 7;
const WRONG_STAKE: u128 = 3 * NXS + 11;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounty_is_posted_asserted_resolved_and_paid_through_the_gateway_on_a_real_chain() {
    let platform = platform::start_market().await;
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();

    // Accounts: the analysts get their role from an administrator who passed a second factor
    // (the gateway and the user service decide that), then sign in again for a token with it.
    let admin = accounts::mfa_admin(&platform, "admin").await;
    let creator = platform.sign_up("creator").await;
    let right = analyst(&platform, &admin, "right").await;
    let wrong = analyst(&platform, &admin, "wrong").await;
    let creator = member(&platform, creator, 1_000 * NXS).await;
    let right = member(&platform, right, 200 * NXS).await;
    let wrong = member(&platform, wrong, 200 * NXS).await;

    // The file the bounty is about, uploaded by the creator (private: only the creator, and
    // analysts once it is a bounty's artifact, may read it).
    let sample = format!("marketplace sample {}", uuid::Uuid::now_v7()).into_bytes();
    let (status, uploaded) = raw_upload(&platform, creator.token(), sample).await;
    assert_eq!(status, 202, "upload: {uploaded}");
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();

    // Both analysts lock their qualifying stake with a signed Stake intent, relayed (they hold
    // no ETH worth mentioning: the relayer pays the gas).
    for analyst in [&right, &wrong] {
        stake(&platform, analyst).await;
    }
    let balances_before = Balances::read(chain, &creator, &right, &wrong).await;

    // The creator watches the feed of new bounties before posting.
    let mut feed = Feed::connect(&platform, creator.token()).await;
    feed.subscribe("bounties").await;

    // Post: typed data from the service, signed as a wallet signs it, sent back.
    let now = chain.now().await.unwrap();
    let assertion_deadline = now + params.minCommitWindow + 3_600;
    let query = format!(
        "/api/v1/bounties/intents/create?signer={}&artifact_kind=file&sha256={sha256}\
         &reward={REWARD}&min_stake={MIN_STAKE}&assertion_deadline={assertion_deadline}",
        creator.address()
    );
    let (status, typed) = call(&platform, Method::GET, &query, Some(creator.token()), None).await;
    assert_eq!(status, 200, "create intent: {typed}");
    let (intent, permit) = (intent_typed_data(&typed), permit_typed_data(&typed));
    let body = json!({
        "artifact": {"kind": "file", "sha256": sha256},
        "reward": REWARD.to_string(),
        "min_stake": MIN_STAKE.to_string(),
        "assertion_deadline": assertion_deadline,
        "is_public": true,
        "intent": signed_intent(&creator, &intent),
        "permit": signed_permit(&creator, &permit),
    });
    let (status, created) = call(
        &platform,
        Method::POST,
        "/api/v1/bounties",
        Some(creator.token()),
        Some(body),
    )
    .await;
    assert_eq!(status, 202, "POST /api/v1/bounties: {created}");
    assert_eq!(created["status"], "pending", "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    // Subscribed before the block that confirms the creation exists (nothing mines it but
    // `until`), so the bounty's topic sees its first event.
    feed.subscribe(&format!("bounty:{id}")).await;

    let opened = until_bounty(&platform, &creator, &id, "the bounty is open", |bounty| {
        bounty["status"] == "open"
    })
    .await;
    let chain_id = U256::from(opened["chain_bounty_id"].as_u64().unwrap());
    // The right analyst follows its own feed (`user:{id}`: its earnings) from here on.
    let mut inbox = Feed::connect(&platform, right.token()).await;
    inbox.subscribe(&format!("user:{}", right.account.id)).await;

    // Two sealed assertions: the right analyst says malicious, the wrong one benign.
    let sealed = |verdict, label: &str| SealedAssertion {
        verdict,
        confidence: 80,
        metadata_hash: keccak256(format!("report of {label}")),
        salt: keccak256(format!("salt of {label} {}", uuid::Uuid::now_v7())),
    };
    let right_assertion = sealed(VerdictCode::Malicious, "right");
    let wrong_assertion = sealed(VerdictCode::Benign, "wrong");
    for (analyst, assertion, stake, count) in [
        (&right, &right_assertion, RIGHT_STAKE, 1),
        (&wrong, &wrong_assertion, WRONG_STAKE, 2),
    ] {
        commit(&platform, analyst, &id, chain_id, assertion, stake).await;
        until_bounty(
            &platform,
            &creator,
            &id,
            "the commitment is on chain",
            |bounty| bounty["commitment_count"] == count,
        )
        .await;
    }

    // The commit window closes: both reveal.
    let assertion_deadline = opened_deadline(&opened, "assertion_deadline");
    advance_past(chain, assertion_deadline).await;
    for (analyst, assertion, count) in
        [(&right, &right_assertion, 1), (&wrong, &wrong_assertion, 2)]
    {
        reveal(&platform, analyst, &id, assertion).await;
        until_bounty(
            &platform,
            &creator,
            &id,
            "the reveal is on chain",
            |bounty| bounty["reveal_count"] == count,
        )
        .await;
    }

    // The reveal window closes: anyone may resolve.
    advance_past(chain, opened_deadline(&opened, "reveal_deadline")).await;
    action(
        &platform,
        &creator,
        &format!("/api/v1/bounties/{id}/resolve"),
        json!({}),
    )
    .await;
    let resolved = until_bounty(
        &platform,
        &creator,
        &id,
        "the bounty is resolved",
        |bounty| bounty["status"] == "resolved",
    )
    .await;
    assert_eq!(resolved["outcome"], "malicious", "{resolved}");

    // The dispute window closes: payouts. The right analyst is owed its stake and the rest of
    // the pool; the wrong one nothing, so its claim is refused.
    advance_past(chain, chain.now().await.unwrap() + params.disputeWindow).await;
    action(
        &platform,
        &creator,
        &format!("/api/v1/bounties/{id}/claims"),
        json!({"analyst": right.address().to_string()}),
    )
    .await;
    until_bounty(
        &platform,
        &creator,
        &id,
        "the right analyst is paid",
        |bounty| assertion_of(bounty, right.address())["claimed"] == true,
    )
    .await;
    let (status, refused) = call(
        &platform,
        Method::POST,
        &format!("/api/v1/bounties/{id}/claims"),
        Some(wrong.token()),
        Some(json!({"analyst": wrong.address().to_string()})),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("nothing_to_claim")),
        "a claim of an analyst owed nothing is refused, not queued: {refused}"
    );

    // Money: exactly what nexus_core::settlement computes from the terms and the assertions.
    let expected = settle_bounty(
        REWARD,
        params.feeBps,
        params.quorum,
        &[
            AssertionInput {
                stake: RIGHT_STAKE,
                revealed: Some(Verdict::Malicious),
            },
            AssertionInput {
                stake: WRONG_STAKE,
                revealed: Some(Verdict::Benign),
            },
        ],
        None,
    )
    .unwrap();
    // The treasury's fee: nobody asks for it; the platform's scheduler sends `payTreasury`
    // once the bounty is final (the claim sent the rounding dust already).
    let treasury_due = balances_before.treasury + U256::from(expected.treasury_total);
    until(chain, "the platform pays the treasury", || async {
        let paid = chain.nxs_balance(chain.treasury()).await.unwrap();
        (paid >= treasury_due).then_some(())
    })
    .await;
    let after = Balances::read(chain, &creator, &right, &wrong).await;
    let delta = |before: U256, after: U256| -> i128 {
        i128::try_from(after).unwrap() - i128::try_from(before).unwrap()
    };
    let signed = |value: u128| i128::try_from(value).unwrap();
    assert_eq!(
        delta(balances_before.creator, after.creator),
        signed(expected.creator_refund) - signed(REWARD),
        "creator"
    );
    assert_eq!(
        delta(balances_before.right, after.right),
        signed(expected.analysts[0]) - signed(RIGHT_STAKE),
        "right analyst"
    );
    assert_eq!(
        delta(balances_before.wrong, after.wrong),
        signed(expected.analysts[1]) - signed(WRONG_STAKE),
        "wrong analyst"
    );
    assert_eq!(
        delta(balances_before.treasury, after.treasury),
        signed(expected.treasury_total),
        "treasury"
    );

    // The feeds: every change on `bounty:{id}` and on `bounties` in chain order, the first on
    // `bounties` being the new bounty's alert.
    for topic in [format!("bounty:{id}"), "bounties".to_owned()] {
        let changes = state_changes(&mut feed, &topic, &id).await;
        let first = &changes[0]["payload"];
        assert_eq!(
            (first["cause"].as_str(), first["status"].as_str()),
            (Some("BountyOpened"), Some("open")),
            "the first event of the new bounty on {topic}: {first}"
        );
        // The new-bounty alert says what and how much without a second request.
        let reward = REWARD.to_string();
        assert_eq!(
            (first["artifact_kind"].as_str(), first["reward"].as_str()),
            (Some("file"), Some(reward.as_str())),
            "the new-bounty alert on {topic}: {first}"
        );
    }

    // The winner's own feed: its earnings moved at the resolution and at the claim; and its
    // assertion over REST shows the payout the settlement computed, claimed.
    let earnings = inbox
        .collect(2, "the winner's earnings changes", |message| {
            message["event"]["name"] == "EarningsChanged"
                && message["event"]["payload"]["bounty"] == id.as_str()
        })
        .await;
    let causes: Vec<&str> = earnings
        .iter()
        .map(|event| event["payload"]["cause"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(causes, ["BountyResolved", "RewardClaimed"], "{earnings:#?}");
    let (status, mine) = call(
        &platform,
        Method::GET,
        "/api/v1/me/assertions",
        Some(right.token()),
        None,
    )
    .await;
    assert_eq!(status, 200, "GET /api/v1/me/assertions: {mine}");
    let own = mine["assertions"]
        .as_array()
        .and_then(|all| all.iter().find(|one| one["bounty_id"] == id.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    let payout = expected.analysts[0].to_string();
    assert_eq!(
        (own["payout"].as_str(), own["claimed"].as_bool()),
        (Some(payout.as_str()), Some(true)),
        "{mine}"
    );
}

/// The analyst's qualifying stake, by a signed `Stake` intent, confirmed on chain.
async fn stake(platform: &Platform, analyst: &Member) {
    let query = format!(
        "/api/v1/bounties/intents/stake?signer={}&amount={ANALYST_STAKE}",
        analyst.address()
    );
    let (status, typed) = call(platform, Method::GET, &query, Some(analyst.token()), None).await;
    assert_eq!(status, 200, "stake intent: {typed}");
    let intent = intent_typed_data(&typed);
    action(
        platform,
        analyst,
        "/api/v1/bounties/stakes",
        json!({"amount": ANALYST_STAKE.to_string(), "intent": signed_intent(analyst, &intent)}),
    )
    .await;
    let token = platform.market().chain.token();
    until(&platform.market().chain, "the stake is locked", || async {
        let staked = token.stakedOf(analyst.address()).call().await.unwrap();
        (staked == U256::from(ANALYST_STAKE)).then_some(())
    })
    .await;
}

/// Commits `assertion` with `stake` by a signed `CommitAssertion` intent and a stake permit.
async fn commit(
    platform: &Platform,
    analyst: &Member,
    id: &str,
    chain_id: U256,
    assertion: &SealedAssertion,
    stake: u128,
) {
    let sealed = commitment(chain_id, analyst.address(), assertion);
    let query = format!(
        "/api/v1/bounties/intents/commit?bounty={id}&signer={}&commitment={sealed}&stake={stake}",
        analyst.address()
    );
    let (status, typed) = call(platform, Method::GET, &query, Some(analyst.token()), None).await;
    assert_eq!(status, 200, "commit intent: {typed}");
    let (intent, permit) = (intent_typed_data(&typed), permit_typed_data(&typed));
    action(
        platform,
        analyst,
        &format!("/api/v1/bounties/{id}/commitments"),
        json!({
            "commitment": sealed.to_string(),
            "stake": stake.to_string(),
            "intent": signed_intent(analyst, &intent),
            "permit": signed_permit(analyst, &permit),
        }),
    )
    .await;
}

/// Reveals the preimage of the analyst's commitment (not signed: only it hashes to it).
async fn reveal(platform: &Platform, analyst: &Member, id: &str, assertion: &SealedAssertion) {
    let verdict = match assertion.verdict {
        VerdictCode::Benign => "benign",
        VerdictCode::Malicious => "malicious",
    };
    action(
        platform,
        analyst,
        &format!("/api/v1/bounties/{id}/reveals"),
        json!({
            "analyst": analyst.address().to_string(),
            "verdict": verdict,
            "confidence": assertion.confidence,
            "metadata_hash": assertion.metadata_hash.to_string(),
            "salt": assertion.salt.to_string(),
        }),
    )
    .await;
}

/// The chain events that move the bounty, in the order the test makes them happen, each with
/// the status, commitment count and reveal count it leaves.
const CHAIN_CHANGES: [(&str, &str, u64, u64); 7] = [
    ("BountyOpened", "open", 0, 0),
    ("AssertionCommitted", "open", 1, 0),
    ("AssertionCommitted", "open", 2, 0),
    ("AssertionRevealed", "revealing", 2, 1),
    ("AssertionRevealed", "revealing", 2, 2),
    ("BountyResolved", "resolved", 2, 2),
    ("RewardClaimed", "resolved", 2, 2),
];

/// Waits until `topic` delivered the `BountyUpdated` of every [`CHAIN_CHANGES`] entry for bounty
/// `id`, and checks them: those events exactly, in order; and all of the bounty's changes on the
/// topic (with any a confirmed block's clock made without an event of the bounty, which close
/// windows) one unbroken path, each starting where the one before ended, from `pending` to
/// `resolved`. Returns every change seen.
async fn state_changes(feed: &mut Feed, topic: &str, id: &str) -> Vec<Value> {
    let of_bounty = |message: &Value| {
        message["topic"] == topic
            && message["event"]["name"] == "BountyUpdated"
            && message["event"]["payload"]["bounty_id"] == id
    };
    let caused_by_chain = |message: &Value| {
        let cause = message["event"]["payload"]["cause"].as_str();
        of_bounty(message)
            && CHAIN_CHANGES
                .iter()
                .any(|(expected, ..)| Some(*expected) == cause)
    };
    let what = format!("the bounty's changes on {topic}");
    let by_chain = feed
        .collect(CHAIN_CHANGES.len(), &what, caused_by_chain)
        .await;
    let seen: Vec<(String, String, u64, u64)> = by_chain
        .iter()
        .map(|event| {
            let payload = &event["payload"];
            let text = |field: &str| payload[field].as_str().unwrap_or_default().to_owned();
            let count = |field: &str| payload[field].as_u64().unwrap_or(u64::MAX);
            (
                text("cause"),
                text("status"),
                count("commitment_count"),
                count("reveal_count"),
            )
        })
        .collect();
    let wanted: Vec<(String, String, u64, u64)> = CHAIN_CHANGES
        .iter()
        .map(|(cause, status, commitments, reveals)| {
            (
                (*cause).to_owned(),
                (*status).to_owned(),
                *commitments,
                *reveals,
            )
        })
        .collect();
    assert_eq!(seen, wanted, "{topic}: {by_chain:#?}");
    let changes = feed.collect(0, &what, of_bounty).await;
    let mut status = "pending";
    for change in &changes {
        let payload = &change["payload"];
        assert_eq!(
            payload["previous_status"].as_str(),
            Some(status),
            "{topic}: a change that does not start where the last one ended: {changes:#?}"
        );
        status = payload["status"].as_str().unwrap_or_default();
    }
    assert_eq!(status, "resolved", "{topic}: {changes:#?}");
    changes
}
