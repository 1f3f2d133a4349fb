//! Sign-ins of a real account write `new_sign_in_address` events (nexus-auth's outbox) only for
//! an address the account had not used before, and never for its first.

use std::time::Duration;

use nexus_auth::settings::LockoutSettings;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{PASSWORD, expect, start};

/// The `AccountSecurityEvent` payloads of `user_id` in nexus-auth's outbox, oldest first.
async fn events_of(pool: &PgPool, user_id: &str) -> Vec<Value> {
    sqlx::query_scalar!(
        "SELECT envelope FROM auth.outbox WHERE stream = 'nexus:auth:events:v1' ORDER BY created_at, id"
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|envelope| envelope["payload"].clone())
    .filter(|event| event["user_id"] == user_id)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_sign_in_from_an_address_new_to_the_account_is_a_security_event() {
    let identity = start(|settings| settings.trust_forwarded_for = true).await;
    let account = identity.register().await;
    for ip in ["198.51.100.1", "198.51.100.1", "203.0.113.7", "203.0.113.7"] {
        let response = identity
            .login_from(ip, account.email.as_str(), PASSWORD)
            .await;
        expect(response, StatusCode::OK, None).await;
    }
    let events = events_of(&identity.ctx.database.pool, &account.id).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["kind"], "new_sign_in_address");
    assert_eq!(events[0]["ip"], "203.0.113.7");
    assert_eq!(identity.audit("login_succeeded").await.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locking_a_real_account_after_failures_is_a_security_event() {
    let identity = start(|settings| {
        settings.lockout = LockoutSettings {
            free_failures: 2,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
            lock_after: 5,
            lock_duration: Duration::from_secs(60),
            max_lock_duration: Duration::from_secs(600),
            reset_after: Duration::from_secs(3600),
        };
    })
    .await;
    let account = identity.register().await;
    // Failures 1-3, then 4 after the 1 s delay, then 5 after the 2 s delay: locked.
    for wait in [0, 0, 0, 1, 2] {
        identity.clock.advance(Duration::from_secs(wait));
        let response = identity.login(&account.email, "definitely not it").await;
        expect(
            response,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
    let refused = identity.login(&account.email, PASSWORD).await;
    expect(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        Some("account_locked"),
    )
    .await;
    let events = events_of(&identity.ctx.database.pool, &account.id).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["kind"], "account_locked");
}
