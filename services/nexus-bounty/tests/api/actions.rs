//! The analysts' actions through the real API, relayed to a real chain (a private anvil per test,
//! because these tests move its clock): commit with a signed intent and permit, reveal, resolve,
//! claim, dispute and refund, each landing on chain; and every refusal (guest 401, plain user
//! and self-assert 403, a wallet not linked 403, a tampered intent 422, the wrong state 409).
//!
//! No chain listener runs here: the test publishes the events it would (the bus's chain stream)
//! after it saw the call land on chain, so the read model moves as in production.

pub(crate) mod support;

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use nexus_chain::commitment::{VerdictCode, commitment};
use nexus_proto::chain::{
    AssertionCommitted, AssertionRevealed, BountyResolved, DisputeOpened, Outcome, Verdict,
};
use nexus_testkit::chain::TestChain;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::market::{MEMBER_NXS, Market};
use support::{
    Listener, NXS, assertion_on_chain, code, commit, hex_of, open_bounty, post, qualify,
    reveal_body, sealed, settlement, wait_for_status,
};
pub(crate) use support::{eventually, signed_intent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_commit_reveal_resolve_and_claim_through_the_relayer() {
    let chain = TestChain::private().await.expect("anvil");
    let market = Market::spawn_on(chain, |settings| {
        settings.scheduler.interval = Duration::from_secs(1);
    })
    .await;
    let mut listener = Listener::connect(&market).await;
    let creator = market.member("creator", &["analyst"]).await;
    let analyst = market.member("analyst", &["analyst"]).await;
    let rival = market.member("rival", &["analyst"]).await;
    let plain = market.member("plain", &["user"]).await;
    qualify(&market, &analyst).await;
    qualify(&market, &rival).await;
    let bounty = open_bounty(&market, &mut listener, &creator).await;
    let commitments = format!("/v1/bounties/{}/commitments", bounty.id);
    let right = sealed(VerdictCode::Malicious, "analyst salt");
    let wrong = sealed(VerdictCode::Benign, "rival salt");

    let balance = market.chain.nxs_balance(analyst.address()).await.unwrap();
    let (status, job, body) = commit(&market, &analyst, &bounty, &right, 5 * NXS).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "commit");
    let (status, answer) = market
        .call(None, Method::POST, &commitments, Some(&body))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a guest: {answer}");
    let (status, answer) = post(&market, &plain, &commitments, &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a plain user: {answer}");
    assert_eq!(code(&answer), "forbidden");
    let (status, answer) = post(&market, &creator, &commitments, &body).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "on one's own bounty: {answer}"
    );
    assert_eq!(code(&answer), "forbidden");
    let (status, answer) = post(&market, &rival, &commitments, &body).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another account's wallet: {answer}"
    );
    assert_eq!(code(&answer), "wallet_not_linked");
    let mut tampered = body.clone();
    tampered["stake"] = json!((6 * NXS).to_string());
    let (status, answer) = post(&market, &analyst, &commitments, &tampered).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(code(&answer), "intent_signature_mismatch");
    let mut low = body.clone();
    low["stake"] = json!((bounty.min_stake - 1).to_string());
    let (status, answer) = post(&market, &analyst, &commitments, &low).await;
    assert_eq!(code(&answer), "stake_too_low", "{status} {answer}");
    // The same intent again: the same job, queued once.
    let (status, again) = post(&market, &analyst, &commitments, &body).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(again["id"], job["id"], "queued once");
    // Reveals wait for the reveal window.
    let reveals = format!("/v1/bounties/{}/reveals", bounty.id);
    let (status, answer) = post(&market, &analyst, &reveals, &reveal_body(&analyst, &right)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "bounty_not_revealing");

    // The commitment lands on chain for the analyst, with the stake taken by the permit.
    let hash = commitment(U256::from(bounty.chain_id), analyst.address(), &right);
    eventually("the analyst's commitment on chain", || async {
        (assertion_on_chain(&market, &bounty, analyst.address())
            .await
            .commitment
            == hash)
            .then_some(())
    })
    .await;
    assert_eq!(
        market.chain.nxs_balance(analyst.address()).await.unwrap(),
        balance - U256::from(5 * NXS),
        "the stake escrowed with the permit"
    );
    let (status, job, _) = commit(&market, &rival, &bounty, &wrong, 3 * NXS).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    eventually("the rival's commitment on chain", || async {
        (assertion_on_chain(&market, &bounty, rival.address())
            .await
            .commitment
            != B256::ZERO)
            .then_some(())
    })
    .await;
    for (who, assertion, stake) in [(&analyst, &right, 5 * NXS), (&rival, &wrong, 3 * NXS)] {
        let log = listener.log(market.chain.now().await.unwrap());
        listener
            .publish(AssertionCommitted {
                log,
                bounty_id: bounty.chain_id,
                analyst: hex_of(who.address()),
                commitment: commitment(U256::from(bounty.chain_id), who.address(), assertion)
                    .to_string(),
                stake: stake.to_string(),
            })
            .await;
    }
    eventually("two commitments in the read model", || async {
        let (_, view) = market
            .call(
                None,
                Method::GET,
                &format!("/v1/bounties/{}", bounty.id),
                None,
            )
            .await;
        (view["commitment_count"] == 2).then_some(())
    })
    .await;

    // The commit window closes by the chain's clock (no event needed): reveals open.
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(bounty.assertion_deadline - now + 1))
        .await
        .unwrap();
    let (status, answer) = market
        .call(
            Some(&analyst),
            Method::GET,
            &format!(
                "/v1/bounties/intents/commit?bounty={}&signer={}&commitment={hash}&stake={}",
                bounty.id,
                hex_of(analyst.address()),
                5 * NXS
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "bounty_not_open");
    let (status, answer) = post(&market, &rival, &reveals, &reveal_body(&analyst, &right)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another account's reveal: {answer}"
    );
    assert_eq!(code(&answer), "wallet_not_linked");
    let (status, job) = post(&market, &analyst, &reveals, &reveal_body(&analyst, &right)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "reveal");
    eventually("the reveal on chain", || async {
        (assertion_on_chain(&market, &bounty, analyst.address())
            .await
            .verdict
            == 2)
            .then_some(())
    })
    .await;
    let log = listener.log(market.chain.now().await.unwrap());
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

    // Resolution: refused before the reveal deadline, then open to any signed-in account.
    let resolve = format!("/v1/bounties/{}/resolve", bounty.id);
    let (status, answer) = post(&market, &plain, &resolve, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "bounty_not_resolvable");
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(bounty.reveal_deadline - now + 1))
        .await
        .unwrap();
    let (status, answer) = market
        .call(None, Method::POST, &resolve, Some(&json!({})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a guest: {answer}");
    let (status, job) = post(&market, &plain, &resolve, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "resolve");
    let record = eventually("the resolution on chain", || async {
        let record = market
            .chain
            .bounty()
            .getBounty(U256::from(bounty.chain_id))
            .call()
            .await
            .unwrap();
        (record.state.status == 2).then_some(record)
    })
    .await;
    let log = listener.log(market.chain.now().await.unwrap());
    listener
        .publish(BountyResolved {
            log,
            bounty_id: bounty.chain_id,
            outcome: Outcome::Malicious,
            benign_stake: "0".into(),
            malicious_stake: (5 * NXS).to_string(),
            revealed_count: 1,
            dispute_deadline: record.state.disputeDeadline,
            settlement: settlement(Outcome::Malicious),
        })
        .await;
    wait_for_status(&market, bounty.id, "resolved").await;

    // The scheduler slashes the analyst who never revealed, once the bounty is resolved.
    eventually("the rival slashed", || async {
        let staked = market
            .chain
            .token()
            .stakedOf(rival.address())
            .call()
            .await
            .unwrap();
        (staked < U256::from(100 * NXS)).then_some(())
    })
    .await;

    // The creator disputes the result (a plain user may not, an analyst who did not reveal is
    // not a participant); nobody rules, so the result stands after the arbitration window.
    let dispute_intent = |signer: Address| {
        format!(
            "/v1/bounties/intents/dispute?bounty={}&signer={}",
            bounty.id,
            hex_of(signer)
        )
    };
    let (status, answer) = market
        .call(
            Some(&plain),
            Method::GET,
            &dispute_intent(plain.address()),
            None,
        )
        .await;
    assert_eq!(code(&answer), "forbidden", "{status} {answer}");
    let (status, answer) = market
        .call(
            Some(&rival),
            Method::GET,
            &dispute_intent(rival.address()),
            None,
        )
        .await;
    assert_eq!(code(&answer), "not_a_participant", "{status} {answer}");
    let (status, answer) = market
        .call(
            Some(&creator),
            Method::GET,
            &dispute_intent(creator.address()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let disputes = format!("/v1/bounties/{}/disputes", bounty.id);
    let dispute = json!({ "intent": signed_intent(&answer, &creator.wallet) });
    let (status, job) = post(&market, &creator, &disputes, &dispute).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "open_dispute");
    let record = eventually("the dispute on chain", || async {
        let record = market
            .chain
            .bounty()
            .getBounty(U256::from(bounty.chain_id))
            .call()
            .await
            .unwrap();
        (record.state.status == 3).then_some(record)
    })
    .await;
    let log = listener.log(market.chain.now().await.unwrap());
    listener
        .publish(DisputeOpened {
            log,
            bounty_id: bounty.chain_id,
            disputant: hex_of(creator.address()),
            arbitration_deadline: record.state.arbitrationDeadline,
        })
        .await;
    wait_for_status(&market, bounty.id, "disputed").await;
    // Disputed once: the policies allow disputes on resolved bounties only.
    let (status, answer) = post(&market, &creator, &disputes, &dispute).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "disputed once: {answer}");

    // Claims: not before the result is final; then anyone may ask for the winner.
    let claims = format!("/v1/bounties/{}/claims", bounty.id);
    let claim = json!({ "analyst": hex_of(analyst.address()) });
    let (status, answer) = post(&market, &plain, &claims, &claim).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "bounty_not_final");
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(
            record.state.arbitrationDeadline - now + 1,
        ))
        .await
        .unwrap();
    let (status, answer) = post(
        &market,
        &plain,
        &claims,
        &json!({ "analyst": hex_of(rival.address()) }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the loser: {answer}");
    assert_eq!(code(&answer), "nothing_to_claim");
    let before = market.chain.nxs_balance(analyst.address()).await.unwrap();
    let (status, job) = post(&market, &plain, &claims, &claim).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "claim");
    eventually("the claim paid", || async {
        let after = market.chain.nxs_balance(analyst.address()).await.unwrap();
        (after > before + U256::from(5 * NXS)).then_some(())
    })
    .await;
    assert!(
        assertion_on_chain(&market, &bounty, analyst.address())
            .await
            .claimed
    );
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_bounty_resolves_invalid_and_its_reward_is_refunded() {
    let chain = TestChain::private().await.expect("anvil");
    let market = Market::spawn_on(chain, |_| {}).await;
    let mut listener = Listener::connect(&market).await;
    let creator = market.member("creator", &["user"]).await;
    let stranger = market.member("stranger", &["user"]).await;
    let bounty = open_bounty(&market, &mut listener, &creator).await;
    let refunds = format!("/v1/bounties/{}/refunds", bounty.id);
    let (status, answer) = post(&market, &creator, &refunds, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(code(&answer), "bounty_not_refundable");
    let (status, answer) = post(&market, &creator, &refunds, &json!({"extra": 1})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "strict body: {answer}"
    );
    let (status, answer) = market
        .call(None, Method::POST, &refunds, Some(&json!({})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a guest: {answer}");

    // Nobody committed: expired once the reveal deadline passed; resolved Invalid on request.
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(bounty.reveal_deadline - now + 1))
        .await
        .unwrap();
    let (status, job) = post(
        &market,
        &stranger,
        &format!("/v1/bounties/{}/resolve", bounty.id),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    let record = eventually("the resolution on chain", || async {
        let record = market
            .chain
            .bounty()
            .getBounty(U256::from(bounty.chain_id))
            .call()
            .await
            .unwrap();
        (record.state.status == 2).then_some(record)
    })
    .await;
    let log = listener.log(market.chain.now().await.unwrap());
    listener
        .publish(BountyResolved {
            log,
            bounty_id: bounty.chain_id,
            outcome: Outcome::Invalid,
            benign_stake: "0".into(),
            malicious_stake: "0".into(),
            revealed_count: 0,
            dispute_deadline: record.state.disputeDeadline,
            settlement: settlement(Outcome::Invalid),
        })
        .await;
    eventually("the outcome in the read model", || async {
        let (_, view) = market
            .call(
                None,
                Method::GET,
                &format!("/v1/bounties/{}", bounty.id),
                None,
            )
            .await;
        (view["outcome"] == "invalid" && view["status"] == "expired").then_some(())
    })
    .await;

    // An expired bounty has nothing to dispute; its refund waits for the dispute window.
    let (status, answer) = market
        .call(
            Some(&creator),
            Method::GET,
            &format!(
                "/v1/bounties/intents/dispute?bounty={}&signer={}",
                bounty.id,
                hex_of(creator.address())
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (status, answer) = post(&market, &stranger, &refunds, &json!({})).await;
    assert_eq!(code(&answer), "bounty_not_refundable", "{status} {answer}");
    let now = market.chain.now().await.unwrap();
    market
        .chain
        .advance(Duration::from_secs(record.state.disputeDeadline - now + 1))
        .await
        .unwrap();
    let (status, job) = post(&market, &stranger, &refunds, &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "refund_creator");
    let (_, again) = post(&market, &creator, &refunds, &json!({})).await;
    assert_eq!(again["id"], job["id"], "asked twice, queued once");
    eventually("the reward back with the creator", || async {
        let balance = market.chain.nxs_balance(creator.address()).await.unwrap();
        (balance == U256::from(MEMBER_NXS)).then_some(())
    })
    .await;
    market.stop().await;
}
