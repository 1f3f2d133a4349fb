//! The range write itself ([`Store::ingest`]), against real PostgreSQL: log rows and outbox rows
//! go in by binary `COPY`, and a range whose logs are already stored falls back to the keyed
//! insert, so a replay stores and publishes nothing twice.

use chrono::{DateTime, Utc};
use nexus_chain_listener::domain::decode::{Decoded, Fact};
use nexus_chain_listener::store::Store;
use nexus_chain_listener::store::ingest::{Batch, BlockHeader, Ingested};
use nexus_proto::chain::{ChainEvent, LogPosition, Staked};
use nexus_testkit::TestContext;
use uuid::Uuid;

use crate::helpers::outbox;

const CHAIN: u64 = 31_337;

/// A `chain.logs` row: block hash, log index, block number, transaction hash, contract, block
/// time, event name, envelope id.
type LogRow = (
    String,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<Uuid>,
);

fn hash(number: u64) -> String {
    format!("0x{number:064x}")
}

fn time(number: u64) -> DateTime<Utc> {
    // Microseconds included: the binary COPY writes them, the row must keep them.
    DateTime::from_timestamp(1_765_000_000 + i64::try_from(number).unwrap(), 123_456_000).unwrap()
}

fn header(number: u64) -> BlockHeader {
    BlockHeader {
        number,
        hash: hash(number),
        parent_hash: None,
        time: time(number),
    }
}

/// A `Staked` log at `number`/`log_index`; the account carries characters JSON escapes (a
/// quote, a backslash, a tab) and one it does not (é), which the outbox must keep as sent.
fn staked(number: u64, log_index: u64) -> Decoded {
    let position = LogPosition {
        chain_id: CHAIN,
        block_number: number,
        block_hash: hash(number),
        transaction_hash: format!("0x{:064x}", number * 100 + log_index),
        log_index,
        contract: "0x5fbdb2315678afecb367f032d93f642f64180aa3".to_owned(),
        block_time: time(number),
    };
    Decoded {
        position: position.clone(),
        fact: Fact::Event(Box::new(ChainEvent::Staked(Staked {
            log: position,
            account: format!("0xé\"\\\t{log_index}"),
            amount: "1".to_owned(),
            total_staked: (log_index + 1).to_string(),
        }))),
    }
}

fn batch(logs: Vec<Decoded>, last: u64) -> Batch {
    let mut blocks: Vec<BlockHeader> = logs
        .iter()
        .map(|log| header(log.position.block_number))
        .collect();
    blocks.dedup();
    Batch {
        chain_id: CHAIN,
        start_block: 1,
        last: header(last),
        blocks,
        logs,
        stakes: Vec::new(),
        terms: Vec::new(),
        seed_parameters: Vec::new(),
    }
}

async fn count(context: &TestContext, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&context.database.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_rows_read_back_as_written() {
    let context = TestContext::new().await.unwrap();
    let store = Store::new(context.database.pool.clone()).unwrap();
    let logs = vec![staked(5, 0), staked(5, 1), staked(7, 0)];
    let ingested = store.ingest(&batch(logs.clone(), 9)).await.unwrap();
    assert_eq!(
        ingested,
        Ingested {
            new_logs: 3,
            events: 3
        }
    );
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT block_hash, log_index, block_number, transaction_hash, contract, block_time,
             event_name, envelope_id FROM chain.logs ORDER BY block_number, log_index",
    )
    .fetch_all(&context.database.pool)
    .await
    .unwrap();
    let events = outbox(&context).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(events.len(), 3);
    for (log, row) in logs.iter().zip(&rows) {
        let position = &log.position;
        assert_eq!(row.0, position.block_hash);
        assert_eq!(row.1, i64::try_from(position.log_index).unwrap());
        assert_eq!(row.2, i64::try_from(position.block_number).unwrap());
        assert_eq!(row.3, position.transaction_hash);
        assert_eq!(row.4, position.contract);
        assert_eq!(row.5, position.block_time);
        assert_eq!(row.6.as_deref(), Some("Staked"));
        // The row names the envelope published for it, and the envelope carries the event.
        let (_, name, payload) = events
            .iter()
            .find(|(id, _, _)| Some(*id) == row.7)
            .expect("the log's envelope is in the outbox");
        assert_eq!(name, "Staked");
        let Fact::Event(event) = &log.fact else {
            panic!("a Staked log is an event")
        };
        let ChainEvent::Staked(expected) = event.as_ref() else {
            panic!("a Staked log is an event")
        };
        assert_eq!(*payload, serde_json::to_value(expected).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_stored_again_stores_and_publishes_only_its_new_logs() {
    let context = TestContext::new().await.unwrap();
    let store = Store::new(context.database.pool.clone()).unwrap();
    let first = vec![staked(5, 0), staked(5, 1), staked(7, 0)];
    store.ingest(&batch(first.clone(), 9)).await.unwrap();
    let published = outbox(&context).await;

    // The same range again (a replay): nothing new, nothing published.
    let again = store.ingest(&batch(first.clone(), 9)).await.unwrap();
    assert_eq!(again, Ingested::default());
    assert_eq!(outbox(&context).await, published);
    assert_eq!(count(&context, "chain.logs").await, 3);

    // A range holding the stored logs and two new ones: only the new ones.
    let mut wider = first;
    wider.extend([staked(8, 0), staked(8, 1)]);
    let more = store.ingest(&batch(wider, 10)).await.unwrap();
    assert_eq!(
        more,
        Ingested {
            new_logs: 2,
            events: 2
        }
    );
    let events = outbox(&context).await;
    assert_eq!(events.len(), 5);
    assert_eq!(events[..3], published[..]);
    assert_eq!(count(&context, "chain.logs").await, 5);
    let checkpoint: i64 = sqlx::query_scalar("SELECT block_number FROM chain.checkpoints")
        .fetch_one(&context.database.pool)
        .await
        .unwrap();
    assert_eq!(checkpoint, 10);
}

/// The outbox's envelopes are `json` (not `jsonb`, like the other schemas'): the shared relay
/// claims and decodes them as it does everywhere, each one the event that was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_claims_and_decodes_the_json_outbox_rows() {
    let context = TestContext::new().await.unwrap();
    let store = Store::new(context.database.pool.clone()).unwrap();
    let logs = vec![staked(5, 0), staked(6, 2)];
    store.ingest(&batch(logs.clone(), 6)).await.unwrap();
    let mut transaction = context.database.pool.begin().await.unwrap();
    let pending = store
        .outbox()
        .claim_batch(&mut transaction, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 2);
    for (log, event) in logs.iter().zip(pending) {
        assert_eq!(event.stream, nexus_proto::chain::EVENTS_STREAM);
        assert_eq!(event.envelope.id, event.id);
        let Fact::Event(expected) = &log.fact else {
            panic!("a Staked log is an event")
        };
        let decoded = ChainEvent::from_envelope(event.envelope).unwrap();
        assert_eq!(decoded, **expected);
    }
}
