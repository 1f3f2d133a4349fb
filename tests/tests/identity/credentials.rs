//! API-key introspection against the real user service: the minted token carries the holder's
//! roles and status as they are now (not frozen at the key's creation), the key's id, and
//! validates with the shared validator fed only with the published JWKS; a disabled holder's
//! key is inactive.

use nexus_http::token::{JwkSet, KeySet, TokenValidator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect, start};

async fn introspect(identity: &crate::helpers::Identity, key: &str) -> Value {
    let response = identity
        .ctx
        .service_http_client()
        .post(format!(
            "{}/internal/v1/api-keys/introspect",
            identity.auth.base_url()
        ))
        .json(&json!({"key": key}))
        .send()
        .await
        .unwrap();
    expect(response, StatusCode::OK, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_mints_a_token_with_the_holders_current_roles_and_status() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let tokens = identity.sign_in(&account).await;
    let token = tokens.access_token.as_str();
    let created = expect(
        identity
            .post(
                "/v1/api-keys",
                Some(token),
                &json!({"name": "engine", "scopes": ["bounty:assert", "analysis:submit"]}),
            )
            .await,
        StatusCode::CREATED,
        None,
    )
    .await;
    let key = created["key"].as_str().unwrap();

    let first = introspect(&identity, key).await;
    assert_eq!(first["active"], true);
    assert_eq!(first["roles"], json!(["user"]));

    // Promoted and banned after the key was made: introspection says so.
    let id: uuid::Uuid = account.id.parse().unwrap();
    sqlx::query!(
        "UPDATE users.accounts SET role = 'analyst', status = 'banned' WHERE id = $1",
        id
    )
    .execute(&identity.ctx.database.pool)
    .await
    .unwrap();
    let now = introspect(&identity, key).await;
    assert_eq!(now["roles"], json!(["analyst"]));
    let minted = now["access_token"].as_str().unwrap();

    let jwks = expect(
        identity
            .http
            .get(format!(
                "{}/.well-known/jwks.json",
                identity.auth.base_url()
            ))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        None,
    )
    .await;
    let set: JwkSet = serde_json::from_value(jwks).unwrap();
    let validator = TokenValidator::new(
        identity.ctx.tokens.settings().rules(),
        KeySet::from_jwk_set(&set),
    );
    let claims = validator.validate(minted).unwrap();
    assert_eq!(claims.sub, account.id);
    assert_eq!(claims.roles, ["analyst"]);
    assert_eq!(claims.status.as_deref(), Some("banned"));
    assert!(claims.is_banned());
    assert_eq!(claims.amr, ["api_key"]);
    assert_eq!(claims.api_key_id.as_deref(), created["key_id"].as_str());
    assert_eq!(
        claims.scope.as_deref(),
        Some("bounty:assert analysis:submit")
    );
    assert_eq!(claims.exp - claims.iat, 300);

    let listed = expect(
        identity
            .http
            .get(format!("{}/v1/api-keys", identity.auth.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
        None,
    )
    .await;
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");

    sqlx::query!(
        "UPDATE users.accounts SET status = 'disabled' WHERE id = $1",
        account.id.parse::<uuid::Uuid>().unwrap()
    )
    .execute(&identity.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(introspect(&identity, key).await, json!({"active": false}));
}
