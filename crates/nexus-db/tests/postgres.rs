//! nexus-db against a real PostgreSQL: migrations, error classification, outbox and inbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use nexus_config::DatabaseSettings;
use nexus_db::outbox::OUTBOX_CHANNEL;
use nexus_db::testing::{TestDatabase, server_url_from_env};
use nexus_db::{DbError, Inbox, Outbox, Schema};
use nexus_proto::{Envelope, Event};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPoolOptions};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BountyOpened {
    bounty_id: u64,
}

impl Event for BountyOpened {
    const NAME: &'static str = "BountyOpened";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:bounty:events:v1";
}

fn bounty_schema() -> Schema {
    Schema::new("bounty").unwrap()
}

async fn database() -> TestDatabase {
    TestDatabase::create(&server_url_from_env())
        .await
        .expect("PostgreSQL must be reachable (scripts/test.sh starts it)")
}

#[tokio::test]
async fn migrations_create_every_service_schema_with_outbox_and_inbox_and_rerun_cleanly() {
    let database = database().await;
    for schema in [
        "auth",
        "users",
        "analysis",
        "bounty",
        "reputation",
        "notification",
        "scanner",
        "chain",
    ] {
        let tables = sqlx::query_scalar!(
            r#"SELECT table_name::text AS "table_name!" FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name"#,
            schema
        )
        .fetch_all(&database.pool)
        .await
        .unwrap();
        // Services add their own tables; every schema has the bus tables.
        for bus_table in ["inbox", "outbox"] {
            assert!(
                tables.iter().any(|table| table == bus_table),
                "schema {schema} has no {bus_table} table: {tables:?}"
            );
        }
    }
    nexus_db::migrate::run(&database.pool)
        .await
        .expect("a second run applies nothing and succeeds");
}

#[tokio::test]
async fn unique_violations_are_conflicts_naming_the_constraint_and_missing_rows_not_found() {
    let database = database().await;
    // Runtime SQL: the table is created by this test, so no migrated schema (what `query!`
    // checks against) describes it.
    sqlx::query("CREATE TABLE bounty.t (id int CONSTRAINT t_pkey PRIMARY KEY)")
        .execute(&database.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO bounty.t VALUES (1)")
        .execute(&database.pool)
        .await
        .unwrap();
    let duplicate = sqlx::query("INSERT INTO bounty.t VALUES (1)")
        .execute(&database.pool)
        .await
        .unwrap_err();
    let error = DbError::from(duplicate);
    assert_eq!(error.code(), "conflict");
    assert_eq!(error.constraint(), Some("t_pkey"));

    let missing = sqlx::query("SELECT id FROM bounty.t WHERE id = 2")
        .fetch_one(&database.pool)
        .await
        .unwrap_err();
    assert_eq!(DbError::from(missing).code(), "not_found");
}

#[tokio::test]
async fn an_exhausted_pool_is_unavailable_not_a_generic_failure() {
    let database = database().await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(200))
        .connect_with(database.options.clone())
        .await
        .unwrap();
    let _held = pool.acquire().await.unwrap();
    let error = DbError::from(pool.acquire().await.unwrap_err());
    assert_eq!(error.code(), "database_unavailable");
}

#[tokio::test]
async fn an_unreachable_server_is_retried_then_reported_unavailable() {
    let settings = DatabaseSettings {
        url: SecretString::from("postgres://postgres@127.0.0.1:1/nexus"),
        connect_retries: 2,
        retry_backoff: Duration::from_millis(10),
        acquire_timeout: Duration::from_millis(300),
        ..DatabaseSettings::default()
    };
    let pool = nexus_db::connect_lazy(&settings).unwrap();
    let error = nexus_db::wait_until_reachable(&pool, &settings)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "database_unavailable");
}

#[tokio::test]
async fn outbox_rows_exist_only_if_the_state_change_commits() {
    let database = database().await;
    let outbox = Outbox::new(bounty_schema());

    let mut rolled_back = database.pool.begin().await.unwrap();
    outbox
        .enqueue(
            &mut rolled_back,
            &Envelope::new(BountyOpened { bounty_id: 1 }),
        )
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();
    assert_eq!(outbox.pending_count(&database.pool).await.unwrap(), 0);

    let envelope = Envelope::new(BountyOpened { bounty_id: 2 });
    let mut committed = database.pool.begin().await.unwrap();
    outbox.enqueue(&mut committed, &envelope).await.unwrap();
    committed.commit().await.unwrap();
    assert_eq!(outbox.pending_count(&database.pool).await.unwrap(), 1);

    let mut relay = database.pool.begin().await.unwrap();
    let batch = outbox.claim_batch(&mut relay, 10).await.unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].stream, BountyOpened::STREAM);
    assert_eq!(
        batch[0].envelope.clone().decode::<BountyOpened>().unwrap(),
        envelope
    );
    outbox
        .mark_published(&mut relay, &[batch[0].id])
        .await
        .unwrap();
    relay.commit().await.unwrap();
    assert_eq!(outbox.pending_count(&database.pool).await.unwrap(), 0);
    assert_eq!(
        outbox
            .purge_published(&database.pool, Duration::ZERO)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn concurrent_relays_claim_disjoint_batches() {
    let database = database().await;
    let outbox = Outbox::new(bounty_schema());
    let mut writer = database.pool.begin().await.unwrap();
    for bounty_id in 0..6 {
        outbox
            .enqueue(&mut writer, &Envelope::new(BountyOpened { bounty_id }))
            .await
            .unwrap();
    }
    writer.commit().await.unwrap();

    let mut first = database.pool.begin().await.unwrap();
    let mut second = database.pool.begin().await.unwrap();
    let first_batch = outbox.claim_batch(&mut first, 4).await.unwrap();
    let second_batch = outbox.claim_batch(&mut second, 4).await.unwrap();
    assert_eq!(first_batch.len(), 4);
    assert_eq!(
        second_batch.len(),
        2,
        "rows locked by the first relay are skipped"
    );
    assert!(
        first_batch
            .iter()
            .all(|row| second_batch.iter().all(|other| other.id != row.id))
    );
}

#[tokio::test]
async fn committing_an_outbox_row_notifies_listeners_with_the_schema() {
    let database = database().await;
    let mut listener = PgListener::connect_with(&database.pool).await.unwrap();
    listener.listen(OUTBOX_CHANNEL).await.unwrap();
    let outbox = Outbox::new(bounty_schema());
    let mut transaction = database.pool.begin().await.unwrap();
    outbox
        .enqueue(
            &mut transaction,
            &Envelope::new(BountyOpened { bounty_id: 9 }),
        )
        .await
        .unwrap();
    transaction.commit().await.unwrap();
    let notification = tokio::time::timeout(Duration::from_secs(5), listener.recv())
        .await
        .expect("no notification within 5 s")
        .unwrap();
    assert_eq!(notification.payload(), "bounty");
}

#[tokio::test]
async fn the_inbox_recognises_an_event_it_has_seen() {
    let database = database().await;
    let inbox = Inbox::new(Schema::new("reputation").unwrap());
    let event_id = uuid::Uuid::now_v7();
    let mut connection = database.pool.acquire().await.unwrap();
    assert!(
        inbox
            .record_once(&mut connection, "scores", event_id)
            .await
            .unwrap()
    );
    assert!(
        !inbox
            .record_once(&mut connection, "scores", event_id)
            .await
            .unwrap()
    );
    assert!(
        inbox
            .record_once(&mut connection, "leaderboard", event_id)
            .await
            .unwrap(),
        "inboxes are per consumer"
    );
}
