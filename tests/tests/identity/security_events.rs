//! Sign-ins of a real account write `new_sign_in_address` events (nexus-auth's outbox) only for
//! an address the account had not used before, and never for its first.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, expect, start};

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
    let events: Vec<serde_json::Value> = sqlx::query_scalar!(
        "SELECT envelope FROM auth.outbox WHERE stream = 'nexus:auth:events:v1' ORDER BY created_at, id"
    )
    .fetch_all(&identity.ctx.database.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|envelope| envelope["payload"].clone())
    .filter(|event| event["user_id"] == account.id.as_str())
    .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["kind"], "new_sign_in_address");
    assert_eq!(events[0]["ip"], "203.0.113.7");
    assert_eq!(identity.audit("login_succeeded").await.len(), 4);
}
