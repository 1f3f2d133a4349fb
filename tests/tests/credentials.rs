//! Credentials that end, through the gateway in front of the real auth and user services:
//! disabling, banning, a role change, a password change, signing out everywhere and revoking an
//! API key each take effect within seconds for the tokens already issued (polled with a bounded
//! deadline: the assertion is the outcome, not the speed); a flood of random API keys writes
//! nothing and stops reaching the auth service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use nexus_proto::user::{ChangePasswordRequest, ChangeRoleRequest};
use nexus_testkit::nexus_client::CallContext;
use reqwest::Method;
use serde_json::{Value, json};

#[path = "support/platform.rs"]
mod platform;

use platform::{PASSWORD, Platform};

#[path = "support/accounts.rs"]
mod accounts;

use accounts::{call, create_key, login, mfa_admin, set_status, until_me_answers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_accounts_tokens_are_refused_within_seconds_and_it_gets_no_new_ones() {
    let platform = platform::start().await;
    let admin = mfa_admin(&platform, "root").await;
    let victim = platform.sign_up("mallory").await;
    let (_, session) = login(&platform, "mallory", PASSWORD).await;

    set_status(&platform, &admin, &victim.id, "disabled").await;

    let refused = until_me_answers(&platform, &victim.token, 401).await;
    assert_eq!(refused["code"], "token_revoked");
    let (status, body) = login(&platform, "mallory", PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account_disabled"))
    );
    let (status, _) = call(
        &platform,
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": session["refresh_token"]})),
    )
    .await;
    assert!(
        matches!(status, 401 | 403),
        "refresh of a disabled account: {status}"
    );

    // Enabled again: a new sign-in works, the old token stays void.
    set_status(&platform, &admin, &victim.id, "active").await;
    let (status, fresh) = login(&platform, "mallory", PASSWORD).await;
    assert_eq!(status, 200, "{fresh}");
    until_me_answers(&platform, fresh["access_token"].as_str().unwrap(), 200).await;
    until_me_answers(&platform, &victim.token, 401).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_account_keeps_its_reads_and_loses_its_writes() {
    let platform = platform::start().await;
    let admin = mfa_admin(&platform, "root").await;
    let victim = platform.sign_up("trudy").await;

    set_status(&platform, &admin, &victim.id, "banned").await;
    until_me_answers(&platform, &victim.token, 401).await;
    let (status, tokens) = login(&platform, "trudy", PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    let banned = tokens["access_token"].as_str().unwrap();
    let me = until_me_answers(&platform, banned, 200).await;
    assert_eq!(me["status"], "banned");
    // The Cedar forbid banned-read-only, evaluated from the token's status claim.
    let (status, body) = call(
        &platform,
        Method::POST,
        "/api/v1/bounties",
        Some(banned),
        Some(json!({"title": "x"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_revokes_the_old_token_and_the_next_sign_in_carries_the_new_role() {
    let platform = platform::start().await;
    let admin = mfa_admin(&platform, "root").await;
    let analyst = platform.sign_up("ana").await;

    platform
        .api
        .users()
        .change_role(
            &CallContext::bearer(&admin),
            analyst.id.parse().unwrap(),
            &ChangeRoleRequest {
                role: "analyst".into(),
            },
        )
        .await
        .unwrap();
    let refused = until_me_answers(&platform, &analyst.token, 401).await;
    assert_eq!(refused["code"], "token_revoked");
    let fresh = platform.sign_in("ana").await;
    let me = until_me_answers(&platform, &fresh, 200).await;
    assert_eq!(me["roles"], json!(["analyst"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_or_changing_the_password_ends_every_session() {
    let platform = platform::start().await;
    let account = platform.sign_up("eve").await;
    let (_, phone) = login(&platform, "eve", PASSWORD).await;

    platform
        .api
        .auth()
        .logout_all(&CallContext::bearer(&account.token))
        .await
        .unwrap();
    assert_eq!(
        until_me_answers(&platform, phone["access_token"].as_str().unwrap(), 401).await["code"],
        "token_revoked"
    );
    let (status, body) = call(
        &platform,
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": phone["refresh_token"]})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("refresh_token_invalid"))
    );

    let token = platform.sign_in("eve").await;
    until_me_answers(&platform, &token, 200).await;
    let new_password = "violet harbour sings 93 quiet kites";
    let change = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: new_password.into(),
    };
    platform
        .api
        .users()
        .change_password(&CallContext::bearer(&token), &change)
        .await
        .unwrap();
    until_me_answers(&platform, &token, 401).await;
    assert_eq!(login(&platform, "eve", PASSWORD).await.0, 401);
    assert_eq!(login(&platform, "eve", new_password).await.0, 200);
}

async fn with_key(platform: &Platform, key: &str) -> (u16, Value) {
    let response = platform
        .http
        .get(platform.url("/api/v1/users/me"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_api_key_is_refused_and_a_disabled_holders_key_is_inactive() {
    let platform = platform::start().await;
    let admin = mfa_admin(&platform, "root").await;
    let holder = platform.sign_up("keyholder").await;
    let mut keys = Vec::new();
    for name in ["revoked", "kept"] {
        let created = create_key(&platform, &holder.token, name, &["user:read_private"]).await;
        keys.push((created.key, created.info.key_id));
    }
    for (key, _) in &keys {
        assert_eq!(with_key(&platform, key).await.0, 200);
    }

    platform
        .api
        .auth()
        .revoke_api_key(&CallContext::bearer(&holder.token), keys[0].1)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = with_key(&platform, &keys[0].0).await;
        if status == 401 {
            assert_eq!(body["code"], "api_key_invalid");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the revoked key still works: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        with_key(&platform, &keys[1].0).await.0,
        200,
        "the other key is unaffected"
    );

    // The holder's current status is read at introspection, not the one at creation.
    set_status(&platform, &admin, &holder.id, "disabled").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while with_key(&platform, &keys[1].0).await.0 != 401 {
        assert!(
            Instant::now() < deadline,
            "a disabled holder's key still works"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_api_keys_writes_nothing_and_stops_reaching_auth() {
    let platform = platform::start().await;
    let holder = platform.sign_up("keyholder").await;
    create_key(&platform, &holder.token, "real", &["user:read_private"]).await;
    let pool = &platform.context.database.pool;
    let snapshot = || async {
        let audit = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM auth.audit_log"#)
            .fetch_one(pool)
            .await
            .unwrap();
        let keys = sqlx::query!(
            r#"SELECT count(*) AS "count!", max(last_used_at) AS last_used FROM auth.api_keys"#
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (audit, (keys.count, keys.last_used))
    };
    let before = snapshot().await;

    let mut statuses = Vec::new();
    for attempt in 0..60 {
        // Well-formed keys (they pass the shape check and reach introspection).
        let key = format!("nxs_{:0>43}", attempt);
        statuses.push(with_key(&platform, &key).await.0);
    }
    assert!(
        statuses.iter().all(|status| matches!(status, 401 | 429)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|status| **status == 429).count() >= 30,
        "{statuses:?}"
    );
    let introspected = platform
        .auth
        .metric("nexus_auth_api_key_introspections_total{outcome=\"unknown\"}")
        .await
        .unwrap();
    assert!(
        introspected <= 20.0,
        "past the quota no key reaches auth: {introspected}"
    );
    assert_eq!(snapshot().await, before, "no row written or changed");
}
