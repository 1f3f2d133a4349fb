//! Redis-side idempotent effects.

use std::time::Duration;

use nexus_bus::{Idempotency, RedisEffect};
use uuid::Uuid;

use crate::common::{TestBus, fast_settings};

#[tokio::test]
async fn effect_is_applied_once_per_event_id() {
    let test = TestBus::new(fast_settings()).await;
    let idempotency = Idempotency::for_bus(&test.bus, "scores", Duration::from_secs(60));
    let mut connection = test.bus.connection();
    let (counter, leaderboard) = (test.bus.key("counter"), test.bus.key("leaderboard"));
    let effect = RedisEffect::new()
        .incr_by(&counter, 5)
        .zincr_by(&leaderboard, "alice", 1.5);
    let (first_event, second_event) = (Uuid::now_v7(), Uuid::now_v7());

    let first = idempotency
        .apply_once(&mut connection, first_event, &effect)
        .await
        .unwrap();
    let repeated = idempotency
        .apply_once(&mut connection, first_event, &effect)
        .await
        .unwrap();
    let other = idempotency
        .apply_once(&mut connection, second_event, &effect)
        .await
        .unwrap();

    assert!(first);
    assert!(
        !repeated,
        "a repeated event id must not apply the effect again"
    );
    assert!(other);
    let count: i64 = redis::cmd("GET")
        .arg(&counter)
        .query_async(&mut connection)
        .await
        .unwrap();
    let score: f64 = redis::cmd("ZSCORE")
        .arg(&leaderboard)
        .arg("alice")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(count, 10);
    assert!((score - 3.0).abs() < f64::EPSILON);
    assert!(
        idempotency
            .was_applied(&mut connection, first_event)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn marker_expires_after_its_ttl_window() {
    let test = TestBus::new(fast_settings()).await;
    let idempotency = Idempotency::for_bus(&test.bus, "scores", Duration::from_secs(60));
    let mut connection = test.bus.connection();
    let event_id = Uuid::now_v7();

    idempotency
        .apply_once(&mut connection, event_id, &RedisEffect::new())
        .await
        .unwrap();
    let ttl_millis: i64 = redis::cmd("PTTL")
        .arg(idempotency.marker_key(event_id))
        .query_async(&mut connection)
        .await
        .unwrap();

    assert!(
        ttl_millis > 0 && ttl_millis <= 60_000,
        "marker TTL was {ttl_millis} ms"
    );
    assert!(
        idempotency
            .marker_key(event_id)
            .starts_with(test.bus.key_prefix())
    );
}
