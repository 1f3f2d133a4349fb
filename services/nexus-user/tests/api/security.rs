//! Account security: status set by administrators (Cedar, second factor, never on oneself),
//! password change and reset, sign-out everywhere; each voids the account's tokens through
//! `tokens_not_before` and the Redis revocation mark every gateway reads.

use std::collections::HashMap;

use nexus_proto::AccountStatus;
use nexus_proto::user::{
    ChangePasswordRequest, ChangeStatusRequest, PasswordResetConfirmRequest,
    PasswordResetRequested, PasswordResetToken,
};
use nexus_testkit::nexus_client::CallContext;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{STRONG_PASSWORD, TestApp};

/// Another password the policy accepts.
const NEW_PASSWORD: &str = "violet harbour sings 93 quiet kites";

/// The account revocation marks in Redis (user id → not-before ms).
async fn redis_marks(app: &TestApp) -> HashMap<String, u64> {
    let client = redis::Client::open(app.context.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("HGETALL")
        .arg(format!(
            "{}{}",
            app.context.redis_prefix,
            nexus_runtime::revocation::ACCOUNT_MARKS_KEY
        ))
        .query_async(&mut connection)
        .await
        .unwrap()
}

async fn verify(app: &TestApp, login: &str, password: &str) -> StatusCode {
    app.post(
        "/internal/v1/credentials/verify",
        json!({"login": login, "password": password}),
    )
    .await
    .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_with_a_second_factor_set_the_status_and_each_change_revokes_tokens() {
    let app = TestApp::spawn().await;
    let (admin_id, _) = app.signed_up("root").await;
    let admin = app.admin_mfa_token(&admin_id);
    let (ada, ada_token) = app.signed_up("ada").await;
    let path = format!("/v1/users/{ada}/status");

    let refused = [
        (
            &ada_token,
            &path,
            json!({"status": "active"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &app.token(&admin_id, &["admin"]),
            &path,
            json!({"status": "banned"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &admin,
            &format!("/v1/users/{admin_id}/status"),
            json!({"status": "disabled"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &admin,
            &path,
            json!({"status": "frozen"}),
            StatusCode::BAD_REQUEST,
            "invalid_status",
        ),
    ];
    for (token, path, body, status, code) in refused {
        let (actual, error) = app
            .call_as(token, Method::PUT, path, Some(body.clone()))
            .await;
        assert_eq!(
            (actual, error["code"].as_str()),
            (status, Some(code)),
            "{path} {body}"
        );
    }
    assert!(
        redis_marks(&app).await.is_empty(),
        "nothing changed, nothing revoked"
    );

    let users = app.service.client.users();
    let as_admin = CallContext::bearer(&admin);
    let ada_id = ada.parse().unwrap();
    let status_to = |status: &str| ChangeStatusRequest {
        status: status.to_owned(),
    };
    let summary = users
        .change_status(&as_admin, ada_id, &status_to("banned"))
        .await
        .unwrap();
    assert_eq!(summary.status, AccountStatus::Banned);
    let banned_mark = summary.tokens_not_before.unwrap();
    let marks = redis_marks(&app).await;
    let first = marks[&ada];
    assert!(first > 0);

    // A banned account still signs in (read-only); a disabled one does not.
    assert_eq!(verify(&app, "ada", STRONG_PASSWORD).await, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let summary = users
        .change_status(&as_admin, ada_id, &status_to("disabled"))
        .await
        .unwrap();
    assert_ne!(summary.tokens_not_before.unwrap(), banned_mark);
    assert!(redis_marks(&app).await[&ada] > first, "the mark only rises");
    assert_eq!(
        verify(&app, "ada", STRONG_PASSWORD).await,
        StatusCode::FORBIDDEN
    );
    let internal = users
        .get_account(&CallContext::none(), ada_id)
        .await
        .unwrap();
    assert_eq!(internal.status, AccountStatus::Disabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_needs_the_current_password_and_revokes_every_session() {
    let app = TestApp::spawn().await;
    let (ada, token) = app.signed_up("ada").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let (status, error) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/password",
            Some(change("wrong guess entirely", NEW_PASSWORD)),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("current_password_invalid"))
    );
    let (status, error) = app
        .call_as(
            &token,
            Method::POST,
            "/v1/users/me/password",
            Some(change(STRONG_PASSWORD, "short")),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let mut key_claims = app.context.claims(&ada, &["user"]);
    key_claims.amr = vec!["api_key".into()];
    key_claims.scope = Some("user:update".into());
    let (status, error) = app
        .call_as(
            &app.context.sign(&key_claims),
            Method::POST,
            "/v1/users/me/password",
            Some(change(STRONG_PASSWORD, NEW_PASSWORD)),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("api_key_not_allowed"))
    );
    assert!(redis_marks(&app).await.is_empty());

    let new_password = ChangePasswordRequest {
        current_password: STRONG_PASSWORD.into(),
        new_password: NEW_PASSWORD.into(),
    };
    app.service
        .client
        .users()
        .change_password(&CallContext::bearer(&token), &new_password)
        .await
        .unwrap();
    assert_eq!(
        verify(&app, "ada", STRONG_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(verify(&app, "ada", NEW_PASSWORD).await, StatusCode::OK);
    assert!(redis_marks(&app).await.contains_key(&ada));
}

async fn outbox_payloads(app: &TestApp, name: &str) -> Vec<Value> {
    let pool = app.pool().await;
    sqlx::query_scalar!(
        r#"SELECT envelope->'payload' AS "payload!" FROM users.outbox
         WHERE envelope->>'name' = $1"#,
        name,
    )
    .fetch_all(&pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_token_is_mailed_once_stored_hashed_used_once_and_the_answer_reveals_nothing() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_up("ada").await;

    let (unknown, _) = app
        .post(
            "/v1/users/password-reset",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    let (known, _) = app
        .post(
            "/v1/users/password-reset",
            json!({"email": "ADA@example.org"}),
        )
        .await;
    assert_eq!(
        (unknown, known),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    let events = outbox_payloads(&app, "PasswordResetRequested").await;
    assert_eq!(events.len(), 1, "only the existing account gets a token");
    assert_eq!(events[0]["user_id"], ada.as_str());
    // The event (outbox row, then Redis stream) names the reset; it carries no token.
    assert!(events[0].get("token").is_none(), "{}", events[0]);
    let reset_id = events[0]["reset_id"].as_str().unwrap().to_owned();

    // The notification service has the token issued, once; nobody else gets it.
    let issue = format!("/internal/v1/password-resets/{reset_id}/token");
    let outsider = reqwest::Client::new()
        .post(app.url(&issue))
        .send()
        .await
        .unwrap();
    assert_eq!(outsider.status(), StatusCode::UNAUTHORIZED);
    let (status, issued) = app.post(&issue, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let micros = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
            .unwrap()
            .timestamp_micros()
    };
    // PostgreSQL keeps microseconds.
    assert_eq!(
        micros(&issued["expires_at"]),
        micros(&events[0]["expires_at"])
    );
    let (status, error) = app.post(&issue, json!({})).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("password_reset_not_found")),
        "a second issue"
    );
    let every_outbox_row = outbox_payloads(&app, "PasswordResetRequested").await;
    assert!(
        !every_outbox_row
            .iter()
            .any(|row| row.to_string().contains(&token)),
        "the token is in no outbox row"
    );

    // Stored only as a hash.
    let pool = app.pool().await;
    let stored = sqlx::query_scalar!("SELECT token_hash FROM users.password_resets")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token.as_bytes());
    assert!(!String::from_utf8_lossy(&stored[0]).contains(&token));

    let confirm = |token: &str, password: &str| json!({"token": token, "new_password": password});
    let (status, error) = app
        .post(
            "/v1/users/password-reset/confirm",
            confirm("not-the-token", NEW_PASSWORD),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("password_reset_token_invalid")
        )
    );
    // A weak password leaves the token usable.
    let (status, _) = app
        .post("/v1/users/password-reset/confirm", confirm(&token, "short"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = app
        .post(
            "/v1/users/password-reset/confirm",
            confirm(&token, NEW_PASSWORD),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(verify(&app, "ada", NEW_PASSWORD).await, StatusCode::OK);
    assert!(redis_marks(&app).await.contains_key(&ada));
    let (status, error) = app
        .post(
            "/v1/users/password-reset/confirm",
            confirm(&token, "yet another 77 fine password"),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("password_reset_token_invalid")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debug_form_of_secret_bearing_types_prints_no_secret() {
    let requested = PasswordResetRequested {
        reset_id: "s3cret-reset-id".into(),
        user_id: nexus_proto::UserId::from(uuid::Uuid::now_v7()),
        email: "ada@example.com".into(),
        expires_at: chrono::Utc::now(),
    };
    let issued = PasswordResetToken {
        token: "s3cret-reset-token".into(),
        expires_at: chrono::Utc::now(),
    };
    let change = ChangePasswordRequest {
        current_password: "s3cret-current".into(),
        new_password: "s3cret-new".into(),
    };
    let confirm = PasswordResetConfirmRequest {
        token: "s3cret-reset-token".into(),
        new_password: "s3cret-new".into(),
    };
    // The gateway's WebSocket sign-in message carries an access token.
    let ws_auth = nexus_proto::ws::ClientMessage::Auth {
        data: nexus_proto::ws::AuthData::Token {
            token: "eyJ.s3cret-access.token".into(),
        },
    };
    for printed in [
        format!("{requested:?}"),
        format!("{issued:?}"),
        format!("{change:?}"),
        format!("{confirm:?}"),
        format!("{ws_auth:?}"),
        format!("{ws_auth:#?}"),
    ] {
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("redacted"), "{printed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_and_login_resolution_are_internal_calls() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_up("ada").await;
    for login in ["ada", "ADA", "ada@example.org", "Ada@Example.org"] {
        let (status, resolved) = app
            .post("/internal/v1/users/resolve", json!({"login": login}))
            .await;
        assert_eq!(
            (status, resolved["user_id"].as_str()),
            (StatusCode::OK, Some(ada.as_str())),
            "{login}"
        );
    }
    let (status, _) = app
        .post("/internal/v1/users/resolve", json!({"login": "nobody"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, revoked) = app
        .post(
            &format!("/internal/v1/users/{ada}/revoke-tokens"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["tokens_not_before"].is_string());
    assert!(redis_marks(&app).await.contains_key(&ada));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_acts_in_the_user_service_only_within_its_scopes() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_up("ada").await;
    let mut claims = app.context.claims(&ada, &["user"]);
    claims.amr = vec!["api_key".into()];
    claims.scope = Some("user:read_private".into());
    let key = app.context.sign(&claims);

    for path in [
        "/v1/users/me",
        "/v1/users/me/wallets",
        "/v1/users/me/ws-keys",
    ] {
        let (status, body) = app.call_as(&key, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    for (method, path, body) in [
        (Method::PATCH, "/v1/users/me", json!({"bio": "x"})),
        (
            Method::POST,
            "/v1/users/me/wallets/challenge",
            json!({"address": "0x0000000000000000000000000000000000000001", "chain_id": 1}),
        ),
        (
            Method::DELETE,
            "/v1/users/me/wallets/0x0000000000000000000000000000000000000001",
            Value::Null,
        ),
    ] {
        let body = (!body.is_null()).then_some(body);
        let (status, error) = app.call_as(&key, method.clone(), path, body).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("scope_insufficient")),
            "{method} {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_enable_ban_and_unban_are_shorthands_with_the_same_authorization() {
    let app = TestApp::spawn().await;
    let (admin_id, _) = app.signed_up("root").await;
    let admin = app.admin_mfa_token(&admin_id);
    let (ada, ada_token) = app.signed_up("ada").await;

    for (action, status) in [
        ("disable", "disabled"),
        ("enable", "active"),
        ("ban", "banned"),
        ("unban", "active"),
    ] {
        let path = format!("/v1/users/{ada}/{action}");
        let (code, summary) = app
            .call_as(&admin, Method::POST, &path, Some(json!({"reason": "test"})))
            .await;
        assert_eq!(
            (code, summary["status"].as_str()),
            (StatusCode::OK, Some(status)),
            "{action}"
        );
        let (code, error) = app.call_as(&ada_token, Method::POST, &path, None).await;
        assert_eq!(
            (code, error["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{action} by the account itself"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_profile_is_decided_by_the_shared_caller_and_its_scopes() {
    let app = TestApp::spawn().await;
    let (ada, _) = app.signed_up("ada").await;
    let (bob, bob_token) = app.signed_up("bob").await;
    let path = format!("/v1/users/{ada}");
    let api_key = |scope: &str| {
        let mut claims = app.context.claims(&bob, &["user"]);
        claims.amr = vec!["api_key".into()];
        claims.scope = Some(scope.into());
        app.context.sign(&claims)
    };
    let banned = {
        let mut claims = app.context.claims(&bob, &["user"]);
        claims.status = Some("banned".into());
        app.context.sign(&claims)
    };

    // Guests, other accounts (banned ones too: a public read) and a key with the scope read it.
    for token in [
        None,
        Some(bob_token.clone()),
        Some(banned),
        Some(api_key("bounty:read user:read_public")),
    ] {
        let (status, profile) = app.call(Method::GET, &path, None, token.as_deref()).await;
        assert_eq!(status, StatusCode::OK, "{token:?}: {profile}");
        assert_eq!(profile["username"], "ada");
        assert!(profile.get("email").is_none(), "{profile}");
    }

    // A key limited to reading bounties may not read profiles.
    let (status, error) = app
        .call_as(&api_key("bounty:read"), Method::GET, &path, None)
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_insufficient")),
        "{error}"
    );

    // A token that does not validate is refused, never read as a guest's request.
    let mut expired = app.context.claims(&bob, &["user"]);
    expired.iat = 1;
    expired.nbf = 1;
    expired.exp = 2;
    for token in [app.context.sign(&expired), format!("{bob_token}x")] {
        let (status, error) = app.call_as(&token, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
        assert!(
            error["code"].as_str().unwrap_or("").starts_with("token_"),
            "{error}"
        );
    }
}
