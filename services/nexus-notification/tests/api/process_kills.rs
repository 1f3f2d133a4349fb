//! The proof with a real process kill: the real `nexus-notification` binary is killed with
//! SIGKILL in the middle of a burst of 1,000 source events and started again. Every event ends
//! as exactly one notice and one queued e-mail: nothing lost, nothing twice.
//!
//! The mails are asserted as rows of EMAIL's queue (`notification.email_messages`, unique per
//! notice): the sender that drains it is not wired into the binary at this commit, so "no e-mail
//! sent twice" rests on the queue holding each notice's mail once and on the sender's lease.

use std::process::Stdio;
use std::time::Duration;

use nexus_bus::{Bus, BusSettings};
use nexus_testkit::TestContext;
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::helpers::{earnings, wait_until};

/// Events in the burst.
const EVENTS: i64 = 1_000;
/// Accounts they are spread over.
const USERS: usize = 20;

fn start(context: &TestContext) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nexus-notification"))
        .env("NEXUS_DATABASE__URL", &context.database.url)
        .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
        .env("NEXUS_REDIS__URL", &context.redis_url)
        .env("NEXUS_REDIS__KEY_PREFIX", &context.redis_prefix)
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__WORKERS", "1")
        .env("NEXUS_TOKENS__JWKS_URL", "")
        .env("NEXUS_POLICIES__AUTH_URL", "")
        .env("NEXUS_OUTBOX__POLL_INTERVAL", "200ms")
        .env("NEXUS_BUS__READ_BLOCK", "300ms")
        .env("NEXUS_BUS__HANDLER_TIMEOUT", "2s")
        .env("NEXUS_BUS__CLAIM_IDLE", "3s")
        .env("NEXUS_BUS__RECLAIM_INTERVAL", "200ms")
        .env("NEXUS_BUS__ERROR_BACKOFF", "100ms")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(std::env::temp_dir().join("nexus-notification-kill-test.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
}

async fn count(context: &TestContext, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&context.database.pool)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_during_a_burst_loses_nothing_and_doubles_nothing() {
    let context = TestContext::new().await.expect("test context");
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .expect("bus");
    let users: Vec<Uuid> = (0..USERS).map(|_| Uuid::now_v7()).collect();
    let mut child = start(&context);
    let burst = {
        let bus = bus.clone();
        let users = users.clone();
        tokio::spawn(async move {
            for n in 0..EVENTS as usize {
                // reward.claimable: in the inbox and mailed by default.
                let event = earnings(users[n % USERS], "BountyResolved");
                bus.publish(&event).await.expect("published");
            }
        })
    };
    // Kill it once part of the burst is applied (and the rest is read, pending or unread).
    wait_until("a first part of the burst", || async {
        (count(&context, "SELECT count(*) FROM notification.notices").await >= 150).then_some(())
    })
    .await;
    child.kill().await.expect("SIGKILL");
    let applied_at_kill = count(&context, "SELECT count(*) FROM notification.notices").await;
    burst.await.expect("the burst was published");
    assert!(
        applied_at_kill < EVENTS,
        "the kill came too late to prove anything"
    );

    let mut child = start(&context);
    wait_until("every event applied", || async {
        (count(&context, "SELECT count(*) FROM notification.notices").await >= EVENTS).then_some(())
    })
    .await;
    // A moment for a late duplicate to show, if the inbox let one through.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count(&context, "SELECT count(*) FROM notification.notices").await,
        EVENTS
    );
    assert_eq!(
        count(
            &context,
            "SELECT count(DISTINCT source_event) FROM notification.notices"
        )
        .await,
        EVENTS
    );
    assert_eq!(
        count(
            &context,
            "SELECT count(*) FROM notification.inbox WHERE consumer = 'notification-bounty'"
        )
        .await,
        EVENTS
    );
    assert_eq!(
        count(&context, "SELECT count(*) FROM notification.email_messages").await,
        EVENTS,
        "one mail queued per notice"
    );
    assert_eq!(
        count(
            &context,
            "SELECT count(DISTINCT notice_id) FROM notification.email_messages"
        )
        .await,
        EVENTS
    );
    assert_eq!(
        count(
            &context,
            "SELECT count(*) FROM notification.outbox WHERE envelope->>'name' = 'NoticeCreated'"
        )
        .await,
        EVENTS,
        "one live event per notice"
    );
    child.kill().await.expect("stopped");
}
