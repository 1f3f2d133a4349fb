//! The account's own views (`GET /v1/me/assertions`, `GET /v1/me/earnings`) and its live feed
//! (`EarningsChanged`), against the real nexus-user (linked wallets) and the chain listener's
//! events as it publishes them on the stream: the numbers equal `nexus_core::settlement`'s for
//! the seeded history, a retraction undoes what it takes back, and each account sees only its
//! own wallets.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bus::{Bus, BusSettings};
use nexus_core::hex;
use nexus_core::settlement::{AssertionInput, Verdict as CoreVerdict, settle_bounty};
use nexus_proto::Envelope;
use nexus_proto::chain::{
    AnalystOutcome, AnalystSettlement, ArtifactKind, AssertionCommitted, AssertionRevealed,
    BlockRef, BountyOpened, BountyResolved, ChainEventsRetracted, LogPosition, Outcome,
    RetractedEvent, RewardClaimed, SettlementView, Slashed, Verdict,
};
use nexus_proto::event::Event;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};
use crate::market::{Market, Member};

const REWARD: u128 = 50_000;
const FEE_BPS: u16 = 250;
const SLASH: u128 = 500;

fn log(seconds: i64, index: u64) -> LogPosition {
    LogPosition {
        chain_id: 31337,
        block_number: seconds as u64,
        block_hash: format!("0x{seconds:064x}"),
        transaction_hash: format!("0x{index:064x}"),
        log_index: index,
        contract: format!("0x{}", "ef".repeat(20)),
        block_time: DateTime::from_timestamp(seconds, 0).unwrap(),
    }
}

fn address(member: &Member) -> String {
    format!("0x{}", hex::encode(member.address().as_slice()))
}

/// Publishes `event` on the chain stream, as the listener does; returns its envelope id.
async fn publish<E: Event>(bus: &Bus, event: E) -> Uuid {
    let envelope = Envelope::new(event);
    bus.publish(&envelope).await.unwrap();
    envelope.id
}

/// `path` as `member` until `done` holds for the answer (the consumer works asynchronously).
async fn until(
    market: &Market,
    member: &Member,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, answer) = market.call(Some(member), Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        if done(&answer) {
            return answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} never became what the test waits for: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A pending bounty by `creator` whose BountyOpened the test publishes as chain bounty `id`.
async fn open_bounty(market: &Market, bus: &Bus, creator: &Member, id: u64, t0: i64) -> Uuid {
    let store = nexus_bounty::store::Store::new(market.context.database.pool.clone()).unwrap();
    let mut new = new_bounty(&creator.id, REWARD, 1, true);
    new.creator_address = creator.address().into_array();
    new.assertion_deadline = DateTime::from_timestamp(t0 + 100, 0).unwrap();
    new.reveal_deadline = DateTime::from_timestamp(t0 + 200, 0).unwrap();
    let (bounty, _) = store.create_bounty(&new, create_call()).await.unwrap();
    publish(
        bus,
        BountyOpened {
            log: log(t0, 1),
            bounty_id: id,
            creator: address(creator),
            artifact_kind: ArtifactKind::File,
            artifact_hash: format!("0x{}", hex::encode(&new.artifact_hash)),
            reward: REWARD.to_string(),
            min_stake: new.min_stake.to_string(),
            assertion_deadline: (t0 + 100) as u64,
            reveal_deadline: (t0 + 200) as u64,
        },
    )
    .await;
    bounty
}

async fn commit(bus: &Bus, id: u64, analyst: &Member, stake: u128, at: i64) {
    publish(
        bus,
        AssertionCommitted {
            log: log(at, 2),
            bounty_id: id,
            analyst: address(analyst),
            commitment: format!("0x{}", "33".repeat(32)),
            stake: stake.to_string(),
        },
    )
    .await;
}

fn amounts(earnings: &Value) -> [u128; 7] {
    let totals = &earnings["totals"];
    [
        "claimable",
        "claimed",
        "staked",
        "slashed",
        "forfeited",
        "rewards",
        "refunded",
    ]
    .map(|name| totals[name].as_str().unwrap().parse().unwrap())
}

/// How many `EarningsChanged` for `user` the outbox holds.
async fn earnings_events(market: &Market, user: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM bounty.outbox WHERE envelope->>'name' = 'EarningsChanged' \
         AND envelope->'payload'->>'user_id' = $1",
    )
    .bind(user)
    .fetch_one(&market.context.database.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earnings_and_assertions_follow_the_settlement_and_a_retraction_undoes_them() {
    let market = Market::spawn_with(|settings| settings.relayer.private_key = None).await;
    let creator = market.member("carol", &["user"]).await;
    let right = market.member("alice", &["user", "analyst"]).await;
    let wrong = market.member("bob", &["user", "analyst"]).await;
    let silent = market.member("dave", &["user", "analyst"]).await;
    let bus = Bus::connect(
        &market.context.redis_url,
        market.context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let t0 = Utc::now().timestamp() - 20_000;

    // One bounty: alice right (3000 on malicious), bob wrong (1000 on benign), dave unrevealed.
    let bounty = open_bounty(&market, &bus, &creator, 7, t0).await;
    let stakes = [(&right, 3_000u128), (&wrong, 1_000), (&silent, 2_000)];
    for (analyst, stake) in stakes {
        commit(&bus, 7, analyst, stake, t0 + 10).await;
    }
    for (analyst, verdict) in [(&right, Verdict::Malicious), (&wrong, Verdict::Benign)] {
        publish(
            &bus,
            AssertionRevealed {
                log: log(t0 + 150, 3),
                bounty_id: 7,
                analyst: address(analyst),
                verdict,
                confidence: 90,
                metadata_hash: format!("0x{}", "44".repeat(32)),
            },
        )
        .await;
    }
    // A second bounty where alice's stake is still open (staked, and a second page).
    open_bounty(&market, &bus, &creator, 8, t0 + 1_000).await;
    commit(&bus, 8, &right, 700, t0 + 1_010).await;
    let before = until(&market, &right, "/v1/me/earnings", |answer| {
        amounts(answer)[2] == 3_700
    })
    .await;
    assert_eq!(amounts(&before), [0, 0, 3_700, 0, 0, 0, 0]);

    // The settlement the listener computes (nexus_core::settlement, the contract's twin).
    let inputs = [
        AssertionInput {
            stake: 3_000,
            revealed: Some(CoreVerdict::Malicious),
        },
        AssertionInput {
            stake: 1_000,
            revealed: Some(CoreVerdict::Benign),
        },
        AssertionInput {
            stake: 2_000,
            revealed: None,
        },
    ];
    let payouts = settle_bounty(REWARD, FEE_BPS, 1, &inputs, None).unwrap();
    let settled = payouts.settlement;
    let analysts = stakes
        .iter()
        .zip(&inputs)
        .zip(&payouts.analysts)
        .map(|(((member, stake), input), payout)| AnalystSettlement {
            analyst: address(member),
            stake: stake.to_string(),
            verdict: input.revealed.map(|verdict| match verdict {
                CoreVerdict::Benign => Verdict::Benign,
                CoreVerdict::Malicious => Verdict::Malicious,
            }),
            outcome: match (input.revealed, *payout > 0) {
                (None, _) => AnalystOutcome::Unrevealed,
                (Some(_), true) => AnalystOutcome::Won,
                (Some(_), false) => AnalystOutcome::Lost,
            },
            payout: payout.to_string(),
            forfeited: if *payout > 0 { 0 } else { *stake }.to_string(),
            slash: if input.revealed.is_none() { SLASH } else { 0 }.to_string(),
        })
        .collect();
    publish(
        &bus,
        BountyResolved {
            log: log(t0 + 300, 4),
            bounty_id: 7,
            outcome: Outcome::Malicious,
            benign_stake: "1000".into(),
            malicious_stake: "3000".into(),
            revealed_count: 2,
            dispute_deadline: (t0 + 400) as u64,
            settlement: SettlementView {
                outcome: Outcome::Malicious,
                winning_stake: settled.winning_stake.to_string(),
                pool: settled.pool.to_string(),
                fee: settled.fee.to_string(),
                distributable: settled.distributable.to_string(),
                treasury_amount: settled.treasury_amount.to_string(),
                creator_refund: settled.creator_refund.to_string(),
                analysts,
            },
        },
    )
    .await;
    let alice_payout = payouts.analysts[0];
    assert_eq!(alice_payout, 3_000 + settled.distributable);
    let resolved = until(&market, &right, "/v1/me/earnings", |answer| {
        amounts(answer)[0] > 0
    })
    .await;
    assert_eq!(
        amounts(&resolved),
        [alice_payout, 0, 700, 0, 0, alice_payout - 3_000, 0]
    );

    let slashed = publish(
        &bus,
        Slashed {
            log: log(t0 + 310, 5),
            account: address(&silent),
            slasher: format!("0x{}", "ef".repeat(20)),
            recipient: format!("0x{}", "fe".repeat(20)),
            amount: SLASH.to_string(),
            bounty_id: Some(7),
        },
    )
    .await;
    let claimed = publish(
        &bus,
        RewardClaimed {
            log: log(t0 + 401, 6),
            bounty_id: 7,
            analyst: address(&right),
            amount: alice_payout.to_string(),
        },
    )
    .await;
    let after = until(&market, &right, "/v1/me/earnings", |answer| {
        amounts(answer)[1] > 0
    })
    .await;
    assert_eq!(
        amounts(&after),
        [0, alice_payout, 700, 0, 0, alice_payout - 3_000, 0]
    );
    // Every fact of the last 12 months is in one of the periods.
    let periods = after["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 12);
    let claimed_in_periods: u128 = periods
        .iter()
        .map(|period| {
            period["amounts"]["claimed"]
                .as_str()
                .unwrap()
                .parse::<u128>()
                .unwrap()
        })
        .sum();
    assert_eq!(claimed_in_periods, alice_payout);

    let bob = until(&market, &wrong, "/v1/me/earnings", |answer| {
        amounts(answer)[4] > 0
    })
    .await;
    assert_eq!(amounts(&bob), [0, 0, 0, 0, 1_000, 0, 0]);
    let dave = until(&market, &silent, "/v1/me/earnings", |answer| {
        amounts(answer)[3] > 0
    })
    .await;
    assert_eq!(amounts(&dave), [0, 0, 0, SLASH, 2_000, 0, 0]);

    // Assertions: alice's two, newest first, one per page; the settled one right and claimed.
    let (status, first) = market
        .call(Some(&right), Method::GET, "/v1/me/assertions?limit=1", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["assertions"][0]["stake"], "700");
    assert!(first["assertions"][0].get("outcome").is_none());
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = market
        .call(
            Some(&right),
            Method::GET,
            &format!("/v1/me/assertions?limit=1&cursor={cursor}"),
            None,
        )
        .await;
    let settled_one = &second["assertions"][0];
    assert_eq!(settled_one["bounty_id"], bounty.to_string());
    assert_eq!(settled_one["chain_bounty_id"], 7);
    assert_eq!(settled_one["analyst"], address(&right));
    assert_eq!(settled_one["verdict"], "malicious");
    assert_eq!(settled_one["outcome"], "right");
    assert_eq!(settled_one["payout"], alice_payout.to_string());
    assert_eq!(settled_one["claimed"], true);
    let (_, dave_assertions) = market
        .call(Some(&silent), Method::GET, "/v1/me/assertions", None)
        .await;
    let unrevealed = &dave_assertions["assertions"][0];
    assert_eq!(
        (
            unrevealed["outcome"].as_str(),
            unrevealed["forfeited"].as_str(),
            unrevealed["slashed"].as_str()
        ),
        (Some("unrevealed"), Some("2000"), Some("500"))
    );
    // The creator has no assertion of anyone else's, and earned nothing as an analyst.
    let (_, carol) = market
        .call(Some(&creator), Method::GET, "/v1/me/assertions", None)
        .await;
    assert!(
        carol["assertions"].as_array().unwrap().is_empty(),
        "{carol}"
    );

    // The feed: EarningsChanged for each account concerned, published via nexus-user's mapping.
    for member in [&right, &wrong, &silent] {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while earnings_events(&market, &member.id).await == 0 {
            assert!(tokio::time::Instant::now() < deadline, "no EarningsChanged");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(earnings_events(&market, &creator.id).await, 0);

    // A reorganisation takes the claim and the slash back: exactly those facts are undone.
    let retracted = |envelope_id, name: &str, at| RetractedEvent {
        envelope_id,
        name: name.to_owned(),
        log: log(at, 9),
    };
    publish(
        &bus,
        ChainEventsRetracted {
            chain_id: 31337,
            common_ancestor: BlockRef {
                number: 1,
                hash: format!("0x{}", "01".repeat(32)),
            },
            orphaned_blocks: Vec::new(),
            depth: 20,
            retracted: vec![
                retracted(claimed, "RewardClaimed", t0 + 401),
                retracted(slashed, "Slashed", t0 + 310),
            ],
        },
    )
    .await;
    let undone = until(&market, &right, "/v1/me/earnings", |answer| {
        amounts(answer)[1] == 0
    })
    .await;
    assert_eq!(
        amounts(&undone),
        [alice_payout, 0, 700, 0, 0, alice_payout - 3_000, 0]
    );
    let dave = until(&market, &silent, "/v1/me/earnings", |answer| {
        amounts(answer)[3] == 0
    })
    .await;
    assert_eq!(amounts(&dave), [0, 0, 0, 0, 2_000, 0, 0]);
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_views_refuse_guests_and_bad_input() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    for path in ["/v1/me/assertions", "/v1/me/earnings"] {
        let status = client.get(app.url(path)).send().await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let token = app
        .context
        .access_token("0190a0a0-0000-7000-8000-00000000a11c", &["user"]);
    for (path, code) in [
        ("/v1/me/assertions?limit=0", "invalid_filter"),
        ("/v1/me/assertions?limit=101", "invalid_filter"),
        ("/v1/me/assertions?cursor=assertion:x", "invalid_cursor"),
        ("/v1/me/earnings?period=year", "invalid_query"),
        ("/v1/me/earnings?periods=0", "invalid_filter"),
        ("/v1/me/earnings?periods=367", "invalid_filter"),
    ] {
        let response = client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{path}: {body}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earnings_notification_waits_while_nexus_user_cannot_be_asked() {
    // The default settings point at no nexus-user: the notification must stay, not vanish.
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp();
    let mut new = new_bounty("0190a0a0-0000-7000-8000-00000000a11c", 10, 1, true);
    new.assertion_deadline = DateTime::from_timestamp(now + 3_600, 0).unwrap();
    store.create_bounty(&new, create_call()).await.unwrap();
    let bus = Bus::connect(
        &app.context.redis_url,
        app.context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let opened = BountyOpened {
        log: log(now, 1),
        bounty_id: 3,
        creator: format!("0x{}", hex::encode(&new.creator_address)),
        artifact_kind: ArtifactKind::File,
        artifact_hash: format!("0x{}", hex::encode(&new.artifact_hash)),
        reward: "10".into(),
        min_stake: new.min_stake.to_string(),
        assertion_deadline: (now + 3_600) as u64,
        reveal_deadline: (now + 7_200) as u64,
    };
    publish(&bus, opened).await;
    publish(
        &bus,
        Slashed {
            log: log(now + 1, 2),
            account: format!("0x{}", "aa".repeat(20)),
            slasher: format!("0x{}", "ef".repeat(20)),
            recipient: format!("0x{}", "fe".repeat(20)),
            amount: "5".into(),
            bounty_id: Some(3),
        },
    )
    .await;
    let attempted = || async {
        sqlx::query_scalar::<_, i32>(
            "SELECT coalesce(max(attempts), 0) FROM bounty.earnings_notifications",
        )
        .fetch_one(&app.context.database.pool)
        .await
        .unwrap()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while attempted().await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never tried");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.pending_notifications().await.unwrap(), 1);
    let published: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM bounty.outbox WHERE envelope->>'name' = 'EarningsChanged'",
    )
    .fetch_one(&app.context.database.pool)
    .await
    .unwrap();
    assert_eq!(published, 0);
    app.stop().await;
}
