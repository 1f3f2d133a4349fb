//! Governance proposals on a real chain (anvil): the Governor driven as token holders drive it
//! (delegate, propose, vote, queue, execute, cancel), and the listener's projection and read API
//! following each state; a replay of the whole range changes nothing, and a reorganisation that
//! orphans a vote's block takes the vote away.

use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256, keccak256};
use alloy::sol_types::SolCall;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::governance::GovernanceContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::{NXS, confirm};
use nexus_chain_listener::domain::decode::address_hex;
use nexus_testkit::chain::{TestAccount, TestChain};
use serde_json::Value;

use crate::chain::{head, mine, private_chain};
use crate::helpers::{TestApp, eventually, settings_for};

const LIMIT: Duration = Duration::from_secs(60);
/// Fixed gas limits, not estimates (see `crate::chain::stake`: the votes clock is the block
/// timestamp, so an estimate can run out when the block lands a second later).
const VOTE_GAS: u64 = 400_000;
const PROPOSE_GAS: u64 = 1_500_000;
/// The local deployment's voting delay, voting period and timelock delay (`DeployConfig::local`).
const VOTING_DELAY: u64 = 86_400;
const VOTING_PERIOD: u64 = 5 * 86_400;
const TIMELOCK_DELAY: u64 = 2 * 86_400;

/// A fresh account holding `nxs` NXS, delegated to itself (so it has votes from the next
/// second on).
async fn voter(chain: &TestChain, nxs: u128) -> TestAccount {
    let account = chain.account().await.unwrap();
    chain.mint_nxs(account.address, nxs * NXS).await.unwrap();
    let token = ReputationToken::new(
        chain.deployment().reputation_token,
        account.provider(chain).unwrap(),
    );
    let pending = token
        .delegate(account.address)
        .gas(VOTE_GAS)
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    account
}

/// A proposal's calls: the timelock sets the bounty contract's fee to `fee_bps`.
struct Calls {
    targets: Vec<Address>,
    values: Vec<U256>,
    calldatas: Vec<Bytes>,
    description: String,
}

async fn fee_change(chain: &TestChain, fee_bps: u16, description: &str) -> Calls {
    let mut params = chain.bounty().params().call().await.unwrap();
    params.feeBps = fee_bps;
    Calls {
        targets: vec![chain.deployment().bounty],
        values: vec![U256::ZERO],
        calldatas: vec![
            BountyContract::setParamsCall { newParams: params }
                .abi_encode()
                .into(),
        ],
        description: description.to_owned(),
    }
}

fn governor(
    chain: &TestChain,
    account: &TestAccount,
) -> GovernanceContract::GovernanceContractInstance<alloy::providers::DynProvider> {
    GovernanceContract::new(
        chain.deployment().governance,
        account.provider(chain).unwrap(),
    )
}

/// `proposer` proposes `calls`; returns the proposal id.
async fn propose(chain: &TestChain, proposer: &TestAccount, calls: &Calls) -> U256 {
    let governor = governor(chain, proposer);
    let id = governor
        .hashProposal(
            calls.targets.clone(),
            calls.values.clone(),
            calls.calldatas.clone(),
            keccak256(calls.description.as_bytes()),
        )
        .call()
        .await
        .unwrap();
    let pending = governor
        .propose(
            calls.targets.clone(),
            calls.values.clone(),
            calls.calldatas.clone(),
            calls.description.clone(),
        )
        .gas(PROPOSE_GAS)
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    id
}

/// `account` votes on `id` (0 against, 1 for, 2 abstain) with `reason`; returns the vote's block.
async fn vote(
    chain: &TestChain,
    account: &TestAccount,
    id: U256,
    support: u8,
    reason: &str,
) -> u64 {
    let pending = governor(chain, account)
        .castVoteWithReason(id, support, reason.to_owned())
        .gas(VOTE_GAS)
        .send()
        .await
        .unwrap();
    let receipt = confirm(chain.provider(), pending).await.unwrap();
    receipt.block_number.unwrap()
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Waits until `GET path` answers 200 with a body `accept` takes, and returns it.
async fn until(app: &TestApp, what: &str, path: &str, accept: impl Fn(&Value) -> bool) -> Value {
    eventually(what, LIMIT, || async {
        let (status, body) = get(app, path).await;
        (status == 200 && accept(&body)).then_some(body)
    })
    .await
}

fn ids(page: &Value) -> Vec<String> {
    page["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|proposal| proposal["proposal_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every row of the three proposal tables, as JSON, in key order.
async fn projection(app: &TestApp) -> Value {
    sqlx::query_scalar!(
        r#"SELECT json_build_array(
             (SELECT coalesce(json_agg(p ORDER BY p.proposal_id), '[]') FROM chain.proposals p),
             (SELECT coalesce(json_agg(v ORDER BY v.proposal_id, v.voter), '[]')
              FROM chain.proposal_votes v),
             (SELECT coalesce(json_agg(c ORDER BY c.block_number, c.log_index), '[]')
              FROM chain.proposal_changes c)
           ) AS "rows!""#
    )
    .fetch_one(&app.context.database.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_is_followed_from_creation_to_execution_and_another_to_cancellation() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    let whale = voter(&chain, 10_000_000).await;
    let minnow = voter(&chain, 3_000).await;
    chain.advance(Duration::from_secs(2)).await.unwrap();

    let passing = fee_change(&chain, 250, "Lower the fee to 2.5%").await;
    let doomed = fee_change(&chain, 900, "Raise the fee to 9%").await;
    let passing_id = propose(&chain, &whale, &passing).await;
    let doomed_id = propose(&chain, &whale, &doomed).await;
    let pending = governor(&chain, &whale)
        .cancel(
            doomed.targets.clone(),
            doomed.values.clone(),
            doomed.calldatas.clone(),
            keccak256(doomed.description.as_bytes()),
        )
        .gas(VOTE_GAS)
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let (passing_id, doomed_id) = (passing_id.to_string(), doomed_id.to_string());
    let passing_path = format!("/v1/chain/proposals/{passing_id}");

    // Newest first: the canceled one, then the pending one, with their calls as proposed.
    let page = until(&app, "both proposals", "/v1/chain/proposals", |page| {
        ids(page).len() == 2 && page["proposals"][0]["state"] == "canceled"
    })
    .await;
    assert_eq!(ids(&page), [doomed_id.as_str(), passing_id.as_str()]);
    let proposal = &page["proposals"][1];
    assert_eq!(proposal["state"], "pending");
    assert_eq!(proposal["proposer"], address_hex(whale.address));
    assert_eq!(proposal["description"], "Lower the fee to 2.5%");
    let action = &proposal["actions"][0];
    assert_eq!(action["target"], address_hex(chain.deployment().bounty));
    assert_eq!(action["value"], "0");
    assert_eq!(
        action["calldata"],
        format!("0x{}", alloy::hex::encode(&passing.calldatas[0]))
    );
    let vote_start = proposal["vote_start"].as_u64().unwrap();
    assert_eq!(
        proposal["vote_end"].as_u64().unwrap(),
        vote_start + VOTING_PERIOD
    );
    assert_eq!(proposal["votes"]["voters"], 0);

    // The state filter and the cursor.
    let (_, canceled) = get(&app, "/v1/chain/proposals?state=canceled").await;
    assert_eq!(ids(&canceled), [doomed_id.as_str()]);
    let (_, pending) = get(&app, "/v1/chain/proposals?state=pending").await;
    assert_eq!(ids(&pending), [passing_id.as_str()]);
    let (_, first) = get(&app, "/v1/chain/proposals?limit=1").await;
    assert_eq!(ids(&first), [doomed_id.as_str()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = get(
        &app,
        &format!("/v1/chain/proposals?limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(ids(&second), [passing_id.as_str()]);

    // Voting opens after the delay: for with ten million votes, against with three thousand.
    chain
        .advance(Duration::from_secs(VOTING_DELAY + 1))
        .await
        .unwrap();
    vote(
        &chain,
        &whale,
        passing_id.parse().unwrap(),
        1,
        "cheaper bounties",
    )
    .await;
    vote(&chain, &minnow, passing_id.parse().unwrap(), 0, "").await;
    let active = until(&app, "two votes", &passing_path, |proposal| {
        proposal["votes"]["voters"] == 2
    })
    .await;
    assert_eq!(active["state"], "active");
    assert_eq!(active["votes"]["for"], (10_000_000 * NXS).to_string());
    assert_eq!(active["votes"]["against"], (3_000 * NXS).to_string());
    assert_eq!(active["votes"]["abstain"], "0");
    let (status, votes) = get(&app, &format!("{passing_path}/votes")).await;
    assert_eq!(status, 200);
    let votes = votes["votes"].as_array().unwrap();
    assert_eq!(votes.len(), 2);
    assert_eq!(votes[0]["voter"], address_hex(whale.address));
    assert_eq!(votes[0]["support"], "for");
    assert_eq!(votes[0]["reason"], "cheaper bounties");
    assert_eq!(votes[1]["support"], "against");
    assert_eq!(active["last_changed"], votes[1]["log"]);

    // Voting closes: succeeded (the quorum is 4% of the supply), then queued with its eta.
    chain
        .advance(Duration::from_secs(VOTING_PERIOD))
        .await
        .unwrap();
    let succeeded = until(&app, "the vote to close", &passing_path, |proposal| {
        proposal["state"] == "succeeded"
    })
    .await;
    let quorum: U256 = succeeded["quorum"].as_str().unwrap().parse().unwrap();
    let expected = governor(&chain, &whale)
        .quorum(U256::from(vote_start))
        .call()
        .await
        .unwrap();
    assert_eq!(quorum, expected);
    let (_, listed) = get(&app, "/v1/chain/proposals?state=succeeded").await;
    assert_eq!(ids(&listed), [passing_id.as_str()]);
    let (_, defeated) = get(&app, "/v1/chain/proposals?state=defeated").await;
    assert!(ids(&defeated).is_empty(), "{defeated}");
    let governor_of_whale = governor(&chain, &whale);
    let description_hash = keccak256(passing.description.as_bytes());
    let pending = governor_of_whale
        .queue(
            passing.targets.clone(),
            passing.values.clone(),
            passing.calldatas.clone(),
            description_hash,
        )
        .gas(PROPOSE_GAS)
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let queued = until(&app, "the queueing", &passing_path, |proposal| {
        proposal["state"] == "queued"
    })
    .await;
    let eta = queued["eta"].as_u64().unwrap();
    assert_eq!(eta, chain.now().await.unwrap() + TIMELOCK_DELAY);

    // After the timelock's delay anyone executes it: the fee changes through the timelock.
    chain
        .advance(Duration::from_secs(TIMELOCK_DELAY + 1))
        .await
        .unwrap();
    let pending = governor_of_whale
        .execute(
            passing.targets.clone(),
            passing.values.clone(),
            passing.calldatas.clone(),
            description_hash,
        )
        .gas(PROPOSE_GAS)
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let executed = until(&app, "the execution", &passing_path, |proposal| {
        proposal["state"] == "executed"
    })
    .await;
    assert!(executed["eta"].is_null());
    let (_, parameters) = get(&app, "/v1/chain/parameters").await;
    let fee = parameters["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "bounty.fee_bps")
        .unwrap();
    assert_eq!(fee["value"], "250");
    let (_, executed_list) = get(&app, "/v1/chain/proposals?state=executed").await;
    assert_eq!(ids(&executed_list), [passing_id.as_str()]);

    // A replay of the whole range (the checkpoint moved back to the deployment block, the
    // service restarted) changes nothing.
    let before = projection(&app).await;
    let answer_before = get(&app, &passing_path).await;
    mine(&chain, 1).await;
    let read_to = head(&chain).await;
    let TestApp { service, context } = app;
    let report = service.running.shutdown().await;
    assert!(report.is_clean(), "{report:?}");
    let start = chain.deployment().block_number;
    let start_hash =
        alloy::providers::Provider::get_block_by_number(chain.provider(), start.into())
            .await
            .unwrap()
            .unwrap()
            .header
            .hash;
    sqlx::query!(
        "UPDATE chain.checkpoints SET block_number = $1, block_hash = $2",
        i64::try_from(start).unwrap(),
        format!("0x{}", alloy::hex::encode(start_hash))
    )
    .execute(&context.database.pool)
    .await
    .unwrap();
    let service = TestApp::start(&context, settings_for(&chain, 0, 64)).await;
    let app = TestApp { service, context };
    until(&app, "the replay", "/v1/chain/status", |status| {
        status["head"]
            .as_u64()
            .zip(status["lag_blocks"].as_u64())
            .is_some_and(|(head, lag)| head - lag >= read_to)
    })
    .await;
    assert_eq!(projection(&app).await, before);
    assert_eq!(get(&app, &passing_path).await, answer_before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorganisation_that_orphans_a_vote_takes_it_away() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    let whale = voter(&chain, 1_000_000).await;
    let late = voter(&chain, 5_000).await;
    chain.advance(Duration::from_secs(2)).await.unwrap();
    let calls = fee_change(&chain, 300, "Fee to 3%").await;
    let id = propose(&chain, &whale, &calls).await;
    chain
        .advance(Duration::from_secs(VOTING_DELAY + 1))
        .await
        .unwrap();
    vote(&chain, &whale, id, 1, "").await;
    let path = format!("/v1/chain/proposals/{id}");
    until(&app, "the first vote", &path, |proposal| {
        proposal["votes"]["voters"] == 1
    })
    .await;

    let snapshot = chain.snapshot().await.unwrap();
    vote(&chain, &late, id, 2, "orphaned").await;
    let both = until(&app, "the second vote", &path, |proposal| {
        proposal["votes"]["voters"] == 2
    })
    .await;
    assert_eq!(both["votes"]["abstain"], (5_000 * NXS).to_string());
    chain.revert(snapshot).await.unwrap();
    mine(&chain, 3).await;

    let after = until(&app, "the orphaned vote to go", &path, |proposal| {
        proposal["votes"]["voters"] == 1
    })
    .await;
    assert_eq!(after["votes"]["abstain"], "0");
    assert_eq!(after["votes"]["for"], (1_000_000 * NXS).to_string());
    let (_, votes) = get(&app, &format!("{path}/votes")).await;
    let voters: Vec<&str> = votes["votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vote| vote["voter"].as_str().unwrap())
        .collect();
    assert_eq!(voters, [address_hex(whale.address)]);
    let (_, status) = get(&app, "/v1/chain/status").await;
    assert!(status["last_reorg"].is_object(), "{status}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ids_filters_and_cursors_are_refused_and_a_banned_account_still_reads() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    until(&app, "the chain", "/v1/chain/status", |_| true).await;
    let cases = [
        ("/v1/chain/proposals/abc", 400, "invalid_proposal_id"),
        ("/v1/chain/proposals/-1", 400, "invalid_proposal_id"),
        ("/v1/chain/proposals/0x2a", 400, "invalid_proposal_id"),
        (
            "/v1/chain/proposals/999999999999999999999999999999999999999999999999999999999999999999999999999999",
            400,
            "invalid_proposal_id",
        ),
        (
            "/v1/chain/proposals/12345/votes?cursor=x",
            400,
            "invalid_cursor",
        ),
        ("/v1/chain/proposals/12345", 404, "proposal_not_found"),
        ("/v1/chain/proposals/12345/votes", 404, "proposal_not_found"),
        ("/v1/chain/proposals?state=won", 400, "invalid_filter"),
        ("/v1/chain/proposals?limit=0", 400, "invalid_filter"),
        ("/v1/chain/proposals?limit=101", 400, "invalid_filter"),
        ("/v1/chain/proposals?cursor=1:2:3", 400, "invalid_cursor"),
    ];
    for (path, status, code) in cases {
        let (answered, body) = get(&app, path).await;
        assert_eq!(
            (answered, body["code"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "{path}"
        );
    }
    let (status, empty) = get(&app, "/v1/chain/proposals").await;
    assert_eq!((status, ids(&empty).len()), (200, 0));
    assert!(empty["next_cursor"].is_null());

    // Guests read (above); a signed-in user too, and a banned account (read-only, not locked
    // out of public facts); an API key whose scopes leave out chain:read is refused.
    let user = app
        .context
        .access_token(&uuid::Uuid::now_v7().to_string(), &["user"]);
    let mut claims = app
        .context
        .claims(&uuid::Uuid::now_v7().to_string(), &["user"]);
    claims.status = Some("banned".into());
    let banned = app.context.sign(&claims);
    let mut claims = app
        .context
        .claims(&uuid::Uuid::now_v7().to_string(), &["user"]);
    claims.scope = Some("bounty:read".into());
    claims.amr = vec!["api_key".into()];
    let narrow_key = app.context.sign(&claims);
    let client = reqwest::Client::new();
    for (token, expected) in [(user, 200), (banned, 200), (narrow_key, 403)] {
        let response = client
            .get(app.url("/v1/chain/proposals"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected);
    }
    app.stop().await;
}
