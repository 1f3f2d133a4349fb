//! `AccountSecurityEvent`s: each change that affects an account's security writes its event to
//! the outbox in the change's transaction (the relay publishes it; nexus-notification tells the
//! owner). Sign-ins and lockouts need a real account (nexus-user), so those are driven through
//! the store here; the HTTP login flows are in the nexus-e2e identity tests.

use nexus_auth::store::Store;
use nexus_auth::store::audit::{AuditKind, AuditRecord};
use nexus_core::UserId;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestAuth, expect, spawn_auth};

/// The `AccountSecurityEvent` payloads in the outbox, oldest first.
async fn security_events(auth: &TestAuth) -> Vec<Value> {
    sqlx::query_scalar!(
        "SELECT envelope FROM auth.outbox WHERE stream = 'nexus:auth:events:v1' ORDER BY created_at, id"
    )
    .fetch_all(&auth.ctx.database.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|envelope| {
        assert_eq!(envelope["name"], "AccountSecurityEvent");
        envelope["payload"].clone()
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_and_revoking_an_api_key_write_their_events_with_the_change() {
    let auth = spawn_auth(|_| {}).await;
    let (user_id, token) = auth.user_token(&["user"]);
    assert!(security_events(&auth).await.is_empty());

    let created = auth
        .create_key(&token, "deploy bot", &["analysis:read"], None)
        .await;
    let events = security_events(&auth).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["kind"], "api_key_created");
    assert_eq!(events[0]["user_id"], user_id.to_string());
    assert_eq!(events[0]["api_key_id"], created.info.key_id.to_string());
    assert_eq!(events[0]["api_key_name"], "deploy bot");
    // Never the key itself.
    assert!(!events[0].to_string().contains(&created.key[4..]));

    // Another user's revocation attempt changes nothing and tells nobody.
    let (_, other_token) = auth.user_token(&["user"]);
    let path = format!("/v1/api-keys/{}", created.info.key_id);
    expect(
        auth.delete(&path, &other_token).await,
        StatusCode::NOT_FOUND,
        None,
    )
    .await;
    assert_eq!(security_events(&auth).await.len(), 1);

    let revoked = auth.delete(&path, &token).await;
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let events = security_events(&auth).await;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[1]["kind"], "api_key_revoked");
    assert_eq!(events[1]["api_key_name"], "deploy bot");
    assert_eq!(events[1]["user_id"], user_id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_from_a_new_address_is_an_event_but_the_first_and_repeated_ones_are_not() {
    let auth = spawn_auth(|_| {}).await;
    let store = Store::new(auth.ctx.database.pool.clone()).unwrap();
    let user = UserId::from_uuid(Uuid::now_v7());
    let sign_in = |ip: &str| {
        AuditRecord::new(AuditKind::LoginSucceeded)
            .subject(user.to_string())
            .ip(Some(ip.to_owned()))
    };

    // The account's first address is where it starts, not news.
    assert!(
        !store
            .record_sign_in(user, &sign_in("198.51.100.1"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_sign_in(user, &sign_in("198.51.100.1"))
            .await
            .unwrap()
    );
    assert!(security_events(&auth).await.is_empty());

    assert!(
        store
            .record_sign_in(user, &sign_in("203.0.113.7"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_sign_in(user, &sign_in("203.0.113.7"))
            .await
            .unwrap()
    );
    let events = security_events(&auth).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["kind"], "new_sign_in_address");
    assert_eq!(events[0]["ip"], "203.0.113.7");

    // Only hashes are kept, one per address; every sign-in is still audited.
    let stored = sqlx::query_scalar!(
        "SELECT address_hash FROM auth.sign_in_addresses WHERE user_id = $1",
        user.as_uuid(),
    )
    .fetch_all(&auth.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|hash| hash.len() == 32 && !String::from_utf8_lossy(hash).contains("203.0.113.7"))
    );
    assert_eq!(auth.audit_rows("login_succeeded").await.len(), 4);

    // A lockout of the account is an event too.
    store
        .record_lock(
            user,
            &AuditRecord::new(AuditKind::AccountLocked).ip(Some("192.0.2.9".to_owned())),
        )
        .await
        .unwrap();
    let events = security_events(&auth).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["kind"], "account_locked");
    assert_eq!(events[1]["ip"], "192.0.2.9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolling_and_removing_totp_write_their_events_and_a_no_op_writes_none() {
    let auth = spawn_auth(|_| {}).await;
    let store = Store::new(auth.ctx.database.pool.clone()).unwrap();
    let user = UserId::from_uuid(Uuid::now_v7());
    let audit = |kind| AuditRecord::new(kind).subject(user.to_string());

    // Nothing to remove, nothing to confirm: no change, no event.
    assert!(
        !store
            .delete_totp(user, &audit(AuditKind::MfaDisabled))
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_totp(user, 1, &[], &audit(AuditKind::MfaEnabled))
            .await
            .unwrap()
    );
    assert!(security_events(&auth).await.is_empty());

    assert!(store.start_totp(user, "k1", &[7u8; 44]).await.unwrap());
    assert!(
        store
            .confirm_totp(user, 1, &[vec![1u8; 32]], &audit(AuditKind::MfaEnabled))
            .await
            .unwrap()
    );
    assert!(
        store
            .delete_totp(user, &audit(AuditKind::MfaDisabled))
            .await
            .unwrap()
    );
    let kinds: Vec<Value> = security_events(&auth)
        .await
        .into_iter()
        .map(|event| {
            assert_eq!(event["user_id"], user.to_string());
            event["kind"].clone()
        })
        .collect();
    assert_eq!(kinds, ["mfa_enrolled", "mfa_disabled"]);
}
