//! Staking through the relayer: a wallet without ETH signs a `Stake` intent and the platform
//! sends it (the token's `stakeBySig`); the same intent twice is queued once; a tampered amount,
//! a wallet of another account and a guest are refused.

use alloy::primitives::U256;
use alloy::providers::Provider;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::actions::{eventually, signed_intent};
use crate::market::{Market, Member};

const NXS: u128 = 10u128.pow(18);

async fn stake_intent(market: &Market, member: &Member, signer: &Member, amount: u128) -> Value {
    let (status, answer) = market
        .call(
            Some(member),
            Method::GET,
            &format!(
                "/v1/bounties/intents/stake?signer={:#x}&amount={amount}",
                signer.address()
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_without_eth_stakes_with_a_signed_intent() {
    let market = Market::spawn().await;
    let analyst = market.member("staker", &["analyst"]).await;
    let other = market.member("other", &["user"]).await;
    market
        .chain
        .set_eth_balance(analyst.address(), U256::ZERO)
        .await
        .unwrap();
    let amount = 100 * NXS;

    let answer = stake_intent(&market, &analyst, &analyst, amount).await;
    assert_eq!(answer["kind"], "stake");
    assert_eq!(answer["typed_data"]["primaryType"], "Stake");
    assert!(answer["permit"].is_null(), "no token leaves the wallet");
    let body =
        json!({ "amount": amount.to_string(), "intent": signed_intent(&answer, &analyst.wallet) });

    // Refusals: a guest, a wallet of another account, a tampered amount.
    let (status, refused) = market
        .call(None, Method::POST, "/v1/bounties/stakes", Some(&body))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    let (status, refused) = market
        .call(
            Some(&other),
            Method::POST,
            "/v1/bounties/stakes",
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["code"], "wallet_not_linked");
    let (status, refused) = market
        .call(
            Some(&other),
            Method::GET,
            &format!(
                "/v1/bounties/intents/stake?signer={:#x}&amount=1",
                analyst.address()
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let mut tampered = body.clone();
    tampered["amount"] = json!((amount * 2).to_string());
    let (status, refused) = market
        .call(
            Some(&analyst),
            Method::POST,
            "/v1/bounties/stakes",
            Some(&tampered),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "intent_signature_mismatch");

    let (status, job) = market
        .call(
            Some(&analyst),
            Method::POST,
            "/v1/bounties/stakes",
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "stake");
    let (status, again) = market
        .call(
            Some(&analyst),
            Method::POST,
            "/v1/bounties/stakes",
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], job["id"], "the same intent is queued once");

    eventually("the stake on chain", || async {
        let staked = market
            .chain
            .token()
            .stakedOf(analyst.address())
            .call()
            .await
            .unwrap();
        (staked == U256::from(amount)).then_some(())
    })
    .await;
    assert_eq!(
        market
            .chain
            .provider()
            .get_balance(analyst.address())
            .await
            .unwrap(),
        U256::ZERO,
        "the analyst paid no gas"
    );

    // Unstaking goes the same way: its own typed data, relayed.
    let (status, answer) = market
        .call(
            Some(&analyst),
            Method::GET,
            &format!(
                "/v1/bounties/intents/unstake?signer={:#x}&amount={}",
                analyst.address(),
                10 * NXS
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["typed_data"]["primaryType"], "RequestUnstake");
    let body = json!({ "amount": (10 * NXS).to_string(), "intent": signed_intent(&answer, &analyst.wallet) });
    let (status, job) = market
        .call(
            Some(&analyst),
            Method::POST,
            "/v1/bounties/unstakes",
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{job}");
    assert_eq!(job["kind"], "request_unstake");
    eventually("the unstake request on chain", || async {
        let staked = market
            .chain
            .token()
            .stakedOf(analyst.address())
            .call()
            .await
            .unwrap();
        (staked == U256::from(90 * NXS)).then_some(())
    })
    .await;
    market.stop().await;
}
