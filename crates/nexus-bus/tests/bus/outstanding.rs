//! `Bus::outstanding`: what a group has not finished (pending plus undelivered), for
//! reconciliation loops.

use nexus_proto::Event;
use redis::streams::StreamReadReply;

use crate::common::{ScanRequested, TestBus, fast_settings};
use crate::handlers::publish_samples;

fn samples(envelopes: &[nexus_proto::event::RawEnvelope]) -> Vec<u64> {
    let mut samples: Vec<u64> = envelopes
        .iter()
        .map(|envelope| envelope.payload["sample"].as_u64().unwrap())
        .collect();
    samples.sort_unstable();
    samples
}

#[tokio::test]
async fn outstanding_lists_pending_and_undelivered_entries_but_not_acknowledged_ones() {
    let test = TestBus::new(fast_settings()).await;
    assert!(
        test.bus
            .outstanding(ScanRequested::STREAM, "scanner")
            .await
            .unwrap()
            .is_empty(),
        "no stream yet: nothing outstanding"
    );
    publish_samples(&test.bus, 3).await;
    let everything = test
        .bus
        .outstanding(ScanRequested::STREAM, "scanner")
        .await
        .unwrap();
    assert_eq!(
        samples(&everything),
        vec![0, 1, 2],
        "no group yet: all of them"
    );

    let _consumer = test.consumer("scanner", "c1").await;
    let mut connection = test.bus.connection();
    let key = test.bus.key(ScanRequested::STREAM);
    let read: StreamReadReply = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("scanner")
        .arg("c1")
        .arg("COUNT")
        .arg(2)
        .arg("STREAMS")
        .arg(&key)
        .arg(">")
        .query_async(&mut connection)
        .await
        .unwrap();
    let first = read.keys[0].ids[0].id.clone();
    let _: i64 = redis::cmd("XACK")
        .arg(&key)
        .arg("scanner")
        .arg(&first)
        .query_async(&mut connection)
        .await
        .unwrap();

    let outstanding = test
        .bus
        .outstanding(ScanRequested::STREAM, "scanner")
        .await
        .unwrap();
    assert_eq!(samples(&outstanding), vec![1, 2]);

    // Redis lost its data: nothing is outstanding any more.
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(
        test.bus
            .outstanding(ScanRequested::STREAM, "scanner")
            .await
            .unwrap()
            .is_empty()
    );
}
