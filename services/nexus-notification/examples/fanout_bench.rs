//! Benchmark: notifications fanned out per second from one event to 10,000 followers.
//!
//! A fresh database (nexus-testkit's, cloned from the migrated template: set
//! `TEST_NEXUS_DATABASE_URL`), 10,000 accounts following one file with default preferences, then
//! alternating verdicts applied through the consumers' own write path (`Store::apply`): each
//! change is one transaction that records the envelope, compares the verdict, inserts 10,000
//! inbox rows and 10,000 `NoticeCreated` outbox rows (one statement) and commits.
//!
//! `cargo run --release -p nexus-notification --example fanout_bench`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark binary"
)]

use std::time::Instant;

use chrono::Utc;
use nexus_notification::domain::sources::{Verdict, VerdictNews};
use nexus_notification::store::{Plan, Store};
use nexus_testkit::TestContext;
use uuid::Uuid;

/// Followers of the file.
const FOLLOWERS: usize = 10_000;
/// Verdict changes measured.
const ROUNDS: usize = 5;

fn news(sha256: &str, verdict: Verdict) -> Plan {
    Plan {
        verdict: Some(VerdictNews {
            sha256: sha256.to_owned(),
            verdict,
            source: "analysis",
            reason: "a benchmark analysis".to_owned(),
            cause: serde_json::json!({}),
        }),
        ..Plan::default()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let context = TestContext::new().await.expect("a test database");
    let pool = context.database.pool.clone();
    let store = Store::new(pool.clone()).expect("store");
    let sha256 = "ab".repeat(32);
    let users: Vec<Uuid> = (0..FOLLOWERS).map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO notification.follows (sha256, user_id, via) \
         SELECT $1, user_id, 'explicit' FROM UNNEST($2::uuid[]) AS t (user_id)",
    )
    .bind(&sha256)
    .bind(&users)
    .execute(&pool)
    .await
    .expect("followers");
    // The first verdict is no change: it only records the file's verdict.
    store
        .apply(
            "bench",
            Uuid::now_v7(),
            Utc::now(),
            &news(&sha256, Verdict::Benign),
        )
        .await
        .expect("first verdict");
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let verdict = if round % 2 == 0 {
            Verdict::Malicious
        } else {
            Verdict::Benign
        };
        let started = Instant::now();
        let delivered = store
            .apply("bench", Uuid::now_v7(), Utc::now(), &news(&sha256, verdict))
            .await
            .expect("fan-out");
        let seconds = started.elapsed().as_secs_f64();
        let told: u64 = delivered.counts.iter().map(|(_, _, n)| n).sum();
        assert_eq!(told, FOLLOWERS as u64, "every follower told once");
        let rate = FOLLOWERS as f64 / seconds;
        println!(
            "round {round}: {FOLLOWERS} notices in {:.0} ms = {rate:.0} notices/s",
            seconds * 1000.0
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "fan-out to {FOLLOWERS} followers: median {:.0} notices/s (min {:.0}, max {:.0}) over {ROUNDS} changes",
        rates[ROUNDS / 2],
        rates[0],
        rates[ROUNDS - 1]
    );
}
