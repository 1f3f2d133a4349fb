//! Live fan-out over pub/sub.

use futures_util::StreamExt;
use nexus_proto::{Envelope, Event};

use crate::common::{ScanRequested, TestBus, fast_settings, within_limit};

#[tokio::test]
async fn subscriber_receives_published_events_live_with_the_unprefixed_stream_name() {
    let test = TestBus::new(fast_settings()).await;
    let mut subscription = test.bus.subscribe(&[ScanRequested::STREAM]).await.unwrap();
    let envelope = Envelope::new(ScanRequested { sample: 5 });

    test.bus.publish(&envelope).await.unwrap();
    let received = within_limit("the live event", subscription.next())
        .await
        .unwrap();

    assert_eq!(received.stream, ScanRequested::STREAM);
    assert_eq!(
        received.envelope.decode::<ScanRequested>().unwrap(),
        envelope
    );
}

#[tokio::test]
async fn subscriber_skips_messages_that_are_not_envelopes() {
    let test = TestBus::new(fast_settings()).await;
    let mut subscription = test.bus.subscribe(&[ScanRequested::STREAM]).await.unwrap();
    let envelope = Envelope::new(ScanRequested { sample: 6 });

    redis::cmd("PUBLISH")
        .arg(test.bus.key(ScanRequested::STREAM))
        .arg("not an envelope")
        .query_async::<i64>(&mut test.bus.connection())
        .await
        .unwrap();
    test.bus.publish(&envelope).await.unwrap();
    let received = within_limit("the live event", subscription.next())
        .await
        .unwrap();

    assert_eq!(received.envelope.id, envelope.id);
}
