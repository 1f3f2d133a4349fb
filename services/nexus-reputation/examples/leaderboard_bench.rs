//! Leaderboard reads at 100,000 ranked accounts, and chain events applied per second.
//!
//! ```sh
//! cargo run --release -p nexus-reputation --example leaderboard_bench [-- <accounts> <bounties>]
//! ```
//!
//! Needs the test PostgreSQL and Redis (`TEST_NEXUS_DATABASE_URL`, `TEST_NEXUS_REDIS_URL`), like
//! the tests: a fresh database and key prefix, the service in-process on port 0.
//!
//! 1. Seeds `accounts` analysts (default 100,000), each with a linked account and one scored
//!    assertion, straight into PostgreSQL; times the first read (which rebuilds the board from
//!    PostgreSQL), then 2,000 reads of the top 20 over HTTP (the caller's own rank included):
//!    p50, p99, max.
//! 2. Publishes `bounties` settlements (default 1,000; `BountyOpened` + `BountyResolved` with two
//!    analysts each) on the chain events stream and times the consumer until all are applied:
//!    events per second through the bus, the inbox, the re-projection and the board updates.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nexus_bus::{Bus, BusSettings};
use nexus_proto::Envelope;
use nexus_proto::chain::{
    AnalystOutcome, AnalystSettlement, ArtifactKind, BountyOpened, BountyResolved, LogPosition,
    Outcome, SettlementView, Verdict,
};
use nexus_reputation::ReputationService;
use nexus_testkit::TestContext;

fn log(seconds: i64, index: u64) -> LogPosition {
    LogPosition {
        chain_id: 31337,
        block_number: seconds as u64,
        block_hash: format!("0x{seconds:064x}"),
        transaction_hash: format!("0x{index:064x}"),
        log_index: index,
        contract: format!("0x{}", "ef".repeat(20)),
        block_time: DateTime::from_timestamp(seconds, 0).expect("time"),
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let accounts: i64 = args
        .next()
        .map_or(100_000, |text| text.parse().expect("accounts"));
    let bounties: u64 = args
        .next()
        .map_or(1_000, |text| text.parse().expect("bounties"));
    let context = TestContext::new().await.expect("test context");
    let service = context
        .spawn::<ReputationService>()
        .await
        .expect("service starts");
    let pool = &context.database.pool;

    // 1. Reads.
    let seeding = Instant::now();
    sqlx::query(
        "INSERT INTO reputation.analysts (analyst, user_id, owner_next_check, score, settled, correct) \
         SELECT '0x' || lpad(to_hex(n), 40, '0'), \
                ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, NULL, \
                (n % 997)::float8 / 100, 1, 1 \
         FROM generate_series(1, $1) AS n",
    )
    .bind(accounts)
    .execute(pool)
    .await
    .expect("analysts");
    sqlx::query(
        "INSERT INTO reputation.assertions (bounty_id, analyst, artifact_kind, artifact_hash, \
           file_type, verdict, confidence, stake, outcome, analyst_outcome, correct, settled_at, points) \
         SELECT n, '0x' || lpad(to_hex(n), 40, '0'), 'url', '', 'url', 'malicious', 90, \
                '1000000000000000000', 'malicious', 'won', true, now(), (n % 997)::float8 / 100 \
         FROM generate_series(1, $1) AS n",
    )
    .bind(accounts)
    .execute(pool)
    .await
    .expect("assertions");
    println!(
        "seeded {accounts} ranked accounts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    // The `leaderboards` worker built the (then empty) boards at start: drop them, as a Redis
    // flush would, so the first read rebuilds from the seeded rows.
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .expect("bus");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!(
            "{}nexus:reputation:leaderboard:*",
            context.redis_prefix
        ))
        .query_async(&mut bus.connection())
        .await
        .expect("keys");
    for key in keys {
        redis::cmd("DEL")
            .arg(key)
            .query_async::<()>(&mut bus.connection())
            .await
            .expect("deleted");
    }
    let me = "00000000-0000-7000-8000-000000000457";
    let caller = context.as_user(me, &["user"]);
    let client = &service.client;
    let read = || async {
        let board: serde_json::Value = client
            .get(&caller, "/v1/leaderboards?limit=20")
            .await
            .expect("board");
        board
    };
    let first = Instant::now();
    let board = read().await;
    println!(
        "first read (rebuilds the board from PostgreSQL): {:.1} ms, total {}, my rank {}",
        first.elapsed().as_secs_f64() * 1e3,
        board["total"],
        board["me"]["rank"]
    );
    let mut latencies = Vec::with_capacity(2_000);
    for _ in 0..2_000 {
        let started = Instant::now();
        read().await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    println!(
        "2000 reads of the top 20 at {accounts} accounts: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );

    // 2. Events applied per second.
    let at = Utc::now().timestamp() - 3_600;
    let base = 10_000_000u64;
    let started = Instant::now();
    for offset in 0..bounties {
        let id = base + offset;
        let analyst = |n: u64| format!("0x{:040x}", n % accounts as u64 + 1);
        let analysts = [analyst(offset), analyst(offset + 7)];
        let opened = BountyOpened {
            log: log(at, offset * 2),
            bounty_id: id,
            creator: format!("0x{}", "cc".repeat(20)),
            artifact_kind: ArtifactKind::Url,
            artifact_hash: format!("0x{id:064x}"),
            reward: "1".into(),
            min_stake: "1".into(),
            assertion_deadline: 1,
            reveal_deadline: 2,
        };
        let settlement = |analyst: &String, verdict: Verdict, outcome| AnalystSettlement {
            analyst: analyst.clone(),
            stake: "1000000000000000000".into(),
            verdict: Some(verdict),
            outcome,
            payout: "0".into(),
            forfeited: "0".into(),
            slash: "0".into(),
        };
        let resolved = BountyResolved {
            log: log(at + 1, offset * 2 + 1),
            bounty_id: id,
            outcome: Outcome::Malicious,
            benign_stake: "0".into(),
            malicious_stake: "0".into(),
            revealed_count: 2,
            dispute_deadline: 0,
            settlement: SettlementView {
                outcome: Outcome::Malicious,
                winning_stake: "0".into(),
                pool: "0".into(),
                fee: "0".into(),
                distributable: "0".into(),
                treasury_amount: "0".into(),
                creator_refund: "0".into(),
                analysts: vec![
                    settlement(&analysts[0], Verdict::Malicious, AnalystOutcome::Won),
                    settlement(&analysts[1], Verdict::Benign, AnalystOutcome::Lost),
                ],
            },
        };
        bus.publish(&Envelope::new(opened))
            .await
            .expect("published");
        bus.publish(&Envelope::new(resolved))
            .await
            .expect("published");
    }
    let events = (bounties * 2) as f64;
    let prefix = "nexus_reputation_chain_events_total{outcome=\"applied\"} ";
    loop {
        if service.metric(prefix).await.unwrap_or(0.0) >= events {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{events} events ({bounties} settlements, 2 analysts each, {accounts} accounts ranked) applied in {seconds:.1} s: {:.0} events/s",
        events / seconds
    );
    let report = service.running.shutdown().await;
    assert!(report.is_clean(), "{report:?}");
}
