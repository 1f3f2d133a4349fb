//! Automated engines end to end (issue 17's proof): two real `nexus engine` processes, each
//! with its own encrypted keystore (the test's funded wallet imported by `nexus engine init`),
//! API key, WebSocket key and policy, answer a bounty on a real anvil through the gateway:
//! they qualify by staking, analyse the sample, commit, reveal, resolve and claim by themselves.
//! One engine is killed with SIGKILL between its commit and its reveal and restarted on the
//! same state file: it reveals. Then the reputation service has scored both analysts, the
//! leaderboard ranks them, and a WebSocket client saw the reputation changes and the bounty's
//! resolution.
//!
//! The test moves only the chain's clock (`advance`) and mines blocks while it polls (the
//! listener confirms at depth 1); every wait is a poll with a deadline on what the platform
//! shows, never a sleep standing in for one. This binary holds this one test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use nexus_testkit::chain::NXS;
use reqwest::Method;
use serde_json::Value;

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "support/feed.rs"]
mod feed;

#[path = "support/engine.rs"]
mod engine;

use accounts::call;
use engine::toml_value::Value as Toml;
use feed::Feed;
use market::*;
use platform::Platform;

/// The bounty's reward.
const REWARD: u128 = 50 * NXS;
/// The scopes an engine's API key needs.
const SCOPES: [&str; 7] = [
    "bounty:list",
    "bounty:read",
    "bounty:assert",
    "bounty:stake",
    "bounty:resolve",
    "file:read",
    "file:download",
];

/// One engine: its account, wallet, directory and process.
struct Analyst {
    member: Member,
    api_key: String,
    config: std::path::PathBuf,
    state: std::path::PathBuf,
    process: engine::EngineProcess,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_answer_a_bounty_and_one_killed_between_commit_and_reveal_still_reveals() {
    let platform = platform::start_market().await;
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();
    let admin = accounts::mfa_admin(&platform, "admin").await;
    let creator = platform.sign_up("creator").await;
    let creator = member(&platform, creator, 1_000 * NXS).await;
    let root = std::env::temp_dir().join(format!("nexus-engines-{}", uuid::Uuid::now_v7()));

    // The creator watches bounties and the leaderboard from the start.
    let mut feed = Feed::connect(&platform, creator.token()).await;
    feed.subscribe("bounties").await;
    feed.subscribe("leaderboard").await;

    // Two engines with different policies: "broad" answers every file type at up to 95 %
    // confidence; "narrow" only text and scripts, at most 80 %, and asks a higher reward.
    let mut analysts = Vec::new();
    for (name, file_types, max_confidence, min_reward) in [
        ("broad", vec![], 95, "0"),
        ("narrow", vec!["text", "script"], 80, "10000000000000000000"),
    ] {
        let account = analyst(&platform, &admin, name).await;
        let member = member(&platform, account, 200 * NXS).await;
        let dir = root.join(name);
        let key = alloy::hex::encode(member.wallet.signer.to_bytes());
        let summary = engine::init(&dir, &platform.url(""), &key);
        assert_eq!(
            summary["address"].as_str().unwrap().to_lowercase(),
            member.address().to_string().to_lowercase(),
            "the imported key is the linked wallet: {summary}"
        );
        let config = std::path::PathBuf::from(summary["config"].as_str().unwrap());
        // The keystore on disk is encrypted: the key's hex appears nowhere in it.
        let keystore = std::fs::read_to_string(summary["keystore"].as_str().unwrap()).unwrap();
        assert!(
            !keystore.contains(key.trim_start_matches("0x")),
            "{keystore}"
        );

        // Its WebSocket key, registered with a challenge the engine's CLI signs.
        let challenge = platform
            .api
            .users()
            .create_ws_key_challenge(&nexus_testkit::nexus_client::CallContext::bearer(
                member.token(),
            ))
            .await
            .unwrap();
        let signed =
            engine::sign_ws_registration(&config, &member.account.id, &challenge.challenge);
        platform
            .api
            .users()
            .register_ws_key(
                &nexus_testkit::nexus_client::CallContext::bearer(member.token()),
                &nexus_proto::user::RegisterWsKeyRequest {
                    public_key: signed["public_key"].as_str().unwrap().to_owned(),
                    label: Some(format!("{name} engine")),
                    challenge: Some(challenge.challenge.clone()),
                    signature: Some(signed["signature"].as_str().unwrap().to_owned()),
                },
            )
            .await
            .unwrap();
        let api_key = accounts::create_key(&platform, member.token(), name, &SCOPES)
            .await
            .key;

        let types = file_types
            .into_iter()
            .map(|t| Toml::String(t.into()))
            .collect();
        engine::set(&config, "policy", "file_types", Toml::Array(types));
        engine::set(
            &config,
            "policy",
            "min_reward",
            Toml::String(min_reward.into()),
        );
        engine::set(
            &config,
            "policy",
            "qualifying_stake",
            Toml::String(params.minAnalystStake.to_string()),
        );
        engine::set(
            &config,
            "decision",
            "max_confidence",
            Toml::Integer(max_confidence),
        );
        engine::set(
            &config,
            "chain",
            "rpc_url",
            Toml::String(chain.url().to_owned()),
        );
        engine::set(
            &config,
            "platform",
            "poll_interval",
            Toml::String("200ms".into()),
        );
        let process = engine::spawn(&config, &api_key);
        analysts.push(Analyst {
            member,
            api_key,
            state: dir.join("engine-state.json"),
            config,
            process,
        });
    }

    // Both engines are signed in to the live feed: the gateway lists them as present.
    let wanted: Vec<String> = analysts
        .iter()
        .map(|analyst| analyst.member.account.id.clone())
        .collect();
    let deadline = Instant::now() + STEP;
    loop {
        let (status, presence) = call(
            &platform,
            Method::GET,
            "/api/v1/presence",
            Some(&admin),
            None,
        )
        .await;
        let present: Vec<&str> = presence["engines"]
            .as_array()
            .map(|engines| {
                engines
                    .iter()
                    .filter_map(|e| e["user_id"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        if status == 200 && wanted.iter().all(|id| present.contains(&id.as_str())) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "engines not present ({status}): {presence}\n{}",
            logs(&analysts)
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // The sample: EICAR's test string, which the engine's built-in rule calls malicious.
    let eicar = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*".to_vec();
    let (status, uploaded) = raw_upload(&platform, creator.token(), eicar).await;
    assert_eq!(status, 202, "upload: {uploaded}");
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();
    let id = post_bounty(&platform, &creator, &sha256, REWARD, true).await;

    // Both engines commit on their own (after staking to qualify).
    let opened = wait_bounty(
        &platform,
        &creator,
        &id,
        &analysts,
        "both engines commit",
        |b| b["commitment_count"] == 2,
    )
    .await;
    for analyst in &analysts {
        let entry = engine::state_entry(&analyst.state, &id);
        assert!(
            entry["salt"].as_str().is_some_and(|salt| salt.len() == 66),
            "the salt is in the state file before the reveal: {entry}"
        );
    }

    // Kill the broad engine (SIGKILL: no chance to tidy up) before the reveal window opens,
    // open it, and restart the engine on the same state file.
    analysts[0].process.kill().await;
    advance_past(chain, opened_deadline(&opened, "assertion_deadline")).await;
    analysts[0].process = engine::spawn(&analysts[0].config, &analysts[0].api_key);
    wait_bounty(
        &platform,
        &creator,
        &id,
        &analysts,
        "both engines reveal",
        |b| b["reveal_count"] == 2,
    )
    .await;

    // The reveal window closes: the engines resolve; the dispute window closes: they claim.
    advance_past(chain, opened_deadline(&opened, "reveal_deadline")).await;
    let resolved = wait_bounty(&platform, &creator, &id, &analysts, "resolved", |b| {
        b["status"] == "resolved"
    })
    .await;
    assert_eq!(resolved["outcome"], "malicious", "{resolved}");
    for analyst in &analysts {
        let assertion = assertion_of(&resolved, analyst.member.address());
        assert_eq!(assertion["verdict"], "malicious", "{resolved}");
    }
    advance_past(chain, chain.now().await.unwrap() + params.disputeWindow).await;
    let paid = wait_bounty(
        &platform,
        &creator,
        &id,
        &analysts,
        "both engines claim",
        |b| {
            b["assertions"]
                .as_array()
                .is_some_and(|all| all.len() == 2 && all.iter().all(|a| a["claimed"] == true))
        },
    )
    .await;
    for analyst in &analysts {
        // The state file ends with the bounty settled.
        let deadline = Instant::now() + STEP;
        while engine::state_entry(&analyst.state, &id)["phase"] != "done" {
            assert!(Instant::now() < deadline, "state: {}", logs(&analysts));
            chain.mine(1).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    // The restarted engine's log shows the restart picked up the pending bounty.
    assert!(
        analysts[0]
            .process
            .log()
            .matches("1 bounties pending")
            .count()
            >= 1,
        "{}",
        analysts[0].process.log()
    );

    // Reputation: both analysts scored on this assertion; the leaderboard ranks both.
    for analyst in &analysts {
        let path = format!("/api/v1/reputation/{}", analyst.member.account.id);
        let reputation = until(chain, "the analyst's reputation", || async {
            let (status, view) = call(&platform, Method::GET, &path, Some(&admin), None).await;
            (status == 200 && view["correct"].as_u64() >= Some(1)).then_some(view)
        })
        .await;
        assert_eq!(reputation["assertions"], 1, "{reputation}");
    }
    let board = until(chain, "the leaderboard ranks both engines", || async {
        let (status, board) = call(
            &platform,
            Method::GET,
            "/api/v1/leaderboards?period=all",
            Some(&admin),
            None,
        )
        .await;
        let ranked: Vec<&str> = board["entries"]
            .as_array()
            .map(|all| all.iter().filter_map(|e| e["user_id"].as_str()).collect())
            .unwrap_or_default();
        (status == 200 && wanted.iter().all(|id| ranked.contains(&id.as_str())))
            .then_some(board.clone())
    })
    .await;
    assert!(board["total"].as_u64() >= Some(2), "{board}");

    // The WebSocket client saw it: the resolution on `bounties`, and a reputation change of
    // each engine's account on `leaderboard`.
    feed.until("the resolution on bounties", |message| {
        message["topic"] == "bounties"
            && message["event"]["payload"]["bounty_id"] == id.as_str()
            && message["event"]["payload"]["status"] == "resolved"
    })
    .await;
    // Either engine's change may come first: `collect` also counts what the socket delivered
    // while the test waited for the other one.
    for user in &wanted {
        let user = user.as_str();
        feed.collect(1, "a reputation change on leaderboard", move |message| {
            message["topic"] == "leaderboard"
                && message["event"]["name"] == "ReputationChanged"
                && message["event"]["payload"]["user_id"] == user
        })
        .await;
    }
    let _ = paid;
    for analyst in &mut analysts {
        analyst.process.kill().await;
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// The engines' logs, for failure messages.
fn logs(analysts: &[Analyst]) -> String {
    analysts
        .iter()
        .map(|analyst| {
            format!(
                "--- {}\n{}",
                analyst.config.display(),
                analyst.process.log()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`until_bounty`] whose failure shows the engines' logs.
async fn wait_bounty(
    platform: &Platform,
    member: &Member,
    id: &str,
    analysts: &[Analyst],
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/v1/bounties/{id}");
    let chain = &platform.market().chain;
    let deadline = Instant::now() + 2 * STEP;
    loop {
        let (status, bounty) = call(platform, Method::GET, &path, Some(member.token()), None).await;
        assert_eq!(status, 200, "GET {path}: {bounty}");
        if ready(&bounty) {
            return bounty;
        }
        assert!(
            Instant::now() < deadline,
            "waited for: {what}; last {bounty:#}\n{}",
            logs(analysts)
        );
        chain.mine(1).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
