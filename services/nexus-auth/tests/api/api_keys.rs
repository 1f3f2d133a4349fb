//! API keys: created once, listed without the key, revoked; introspection fails closed when
//! the holder's account cannot be read.

use nexus_proto::ApiKeyTier;
use nexus_testkit::nexus_client::CallContext;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect, spawn_auth};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_is_shown_once_introspects_until_revoked_and_records_its_last_use() {
    let auth = spawn_auth(|_| {}).await;
    let (user_id, token) = auth.user_token(&["user"]);

    let created = auth
        .create_key(
            &token,
            "ci script",
            &["analysis:submit", "analysis:read", "analysis:submit"],
            None,
        )
        .await;
    let key = created.key.clone();
    let key_id = created.info.key_id.to_string();
    assert!(key.starts_with("nxs_") && key.len() == 47, "{key}");
    assert_eq!(created.info.prefix, &key[..12]);
    assert_eq!(created.info.scopes, ["analysis:submit", "analysis:read"]);
    assert_eq!(created.info.tier, ApiKeyTier::Standard);
    assert!(created.info.last_used_at.is_none());

    // Only the hash is stored.
    let stored = sqlx::query_scalar!(
        "SELECT key_hash FROM auth.api_keys WHERE id = $1",
        created.info.key_id,
    )
    .fetch_one(&auth.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&key[4..]));

    // The listing never shows the key.
    let listed = expect(
        auth.get("/v1/api-keys", Some(&token)).await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("key").is_none());
    assert!(listed[0]["last_used_at"].is_null());

    // The key is live, but its holder's current roles and status cannot be read (no user
    // service here): introspection fails closed instead of answering from the frozen copy.
    // tests/tests/identity/credentials.rs covers the active answer against the real user service.
    let introspected = auth
        .post(
            "/internal/v1/api-keys/introspect",
            None,
            &json!({"key": key}),
        )
        .await;
    expect(
        introspected,
        StatusCode::SERVICE_UNAVAILABLE,
        Some("user_service_unavailable"),
    )
    .await;

    // Someone else cannot revoke it.
    let (_, other) = auth.user_token(&["user"]);
    let path = format!("/v1/api-keys/{key_id}");
    expect(
        auth.delete(&path, &other).await,
        StatusCode::NOT_FOUND,
        Some("api_key_not_found"),
    )
    .await;

    auth.api()
        .revoke_api_key(&CallContext::bearer(&token), created.info.key_id)
        .await
        .unwrap();
    let after = expect(
        auth.post(
            "/internal/v1/api-keys/introspect",
            None,
            &json!({"key": key}),
        )
        .await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(after, json!({"active": false}));
    expect(
        auth.delete(&path, &token).await,
        StatusCode::NOT_FOUND,
        Some("api_key_not_found"),
    )
    .await;

    let created_rows = auth.audit_rows("api_key_created").await;
    assert_eq!(created_rows.len(), 1);
    assert_eq!(
        created_rows[0].0.as_deref(),
        Some(user_id.to_string().as_str())
    );
    assert_eq!(created_rows[0].1.as_deref(), Some(key_id.as_str()));
    let revoked_rows = auth.audit_rows("api_key_revoked").await;
    assert_eq!(revoked_rows.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_unknown_and_malformed_keys_are_inactive() {
    let auth = spawn_auth(|_| {}).await;
    let (_, token) = auth.user_token(&["user"]);
    let key = auth
        .create_key(&token, "k", &["bounty:read"], None)
        .await
        .key;
    // Same prefix and length, one character changed.
    let mut wrong = key.clone().into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    let unknown = format!("nxs_{}", "A".repeat(43));
    for candidate in [wrong.as_str(), unknown.as_str(), "nxs_short", "", &key[4..]] {
        let answer = expect(
            auth.post(
                "/internal/v1/api-keys/introspect",
                None,
                &json!({"key": candidate}),
            )
            .await,
            StatusCode::OK,
            None,
        )
        .await;
        assert_eq!(answer, json!({"active": false}), "{candidate}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_key_requests_are_refused_with_the_field_named() {
    let auth = spawn_auth(|_| {}).await;
    let (_, token) = auth.user_token(&["user"]);
    let cases = [
        (
            json!({"name": "", "scopes": ["bounty:read"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            json!({"name": "k", "scopes": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            json!({"name": "k", "scopes": ["bounty:steal"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            json!({"name": "k", "scopes": ["bounty:read"], "tier": "gold"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            json!({"name": "k", "scopes": ["bounty:read"], "tier": "unlimited"}),
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            json!({"name": "k", "scopes": ["bounty:read"], "expires_in_days": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
    ];
    for (body, status, code) in cases {
        let response = auth.post("/v1/api-keys", Some(&token), &body).await;
        expect(response, status, Some(code)).await;
    }
    let anonymous = auth
        .post(
            "/v1/api-keys",
            None,
            &json!({"name": "k", "scopes": ["bounty:read"]}),
        )
        .await;
    expect(anonymous, StatusCode::UNAUTHORIZED, Some("token_missing")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policies_let_administrators_grant_a_tier_above_standard() {
    let auth = spawn_auth(|_| {}).await;
    let body = json!({"name": "engine", "scopes": ["bounty:read"], "tier": "engine"});
    let (_, analyst) = auth.user_token(&["analyst"]);
    expect(
        auth.post("/v1/api-keys", Some(&analyst), &body).await,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
    let (_, admin) = auth.user_token(&["admin"]);
    let created = auth
        .create_key(&admin, "engine", &["bounty:read"], Some("engine"))
        .await;
    assert_eq!(created.info.tier, ApiKeyTier::Engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_account_lists_its_credentials_but_cannot_mint_or_change_them() {
    let auth = spawn_auth(|_| {}).await;
    let user_id = uuid::Uuid::now_v7();
    let mut claims = auth.ctx.claims(&user_id.to_string(), &["user"]);
    claims.status = Some("banned".into());
    let banned = auth.ctx.sign(&claims);

    expect(
        auth.get("/v1/api-keys", Some(&banned)).await,
        StatusCode::OK,
        None,
    )
    .await;
    let key = json!({"name": "k", "scopes": ["bounty:read"]});
    expect(
        auth.post("/v1/api-keys", Some(&banned), &key).await,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
    expect(
        auth.post("/v1/auth/mfa/totp", Some(&banned), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
}
