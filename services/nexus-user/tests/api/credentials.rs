//! `POST /internal/v1/credentials/verify`, `GET /internal/v1/users/{id}` and Argon2id
//! parameters as stored.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{STRONG_PASSWORD, TestApp, argon2_parameters, fast_settings};
use nexus_user::settings::{PasswordHashSettings, UserSettings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_password_by_email_or_username_returns_the_account() {
    let app = TestApp::spawn().await;
    let profile = app.register("ada").await;

    for login in ["ada@example.org", "ADA@example.org ", "ada", "Ada"] {
        let (status, summary) = app
            .post(
                "/internal/v1/credentials/verify",
                json!({"login": login, "password": STRONG_PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{login}: {summary}");
        assert_eq!(
            summary,
            json!({
                "user_id": profile.public.user_id,
                "username": "ada",
                "email": "ada@example.org",
                "roles": ["user"],
                "status": "active",
            })
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_a_missing_account_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.register("ada").await;

    let (wrong_status, wrong) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": "not the password at all"}),
        )
        .await;
    let (missing_status, missing) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "nobody@example.org", "password": STRONG_PASSWORD}),
        )
        .await;
    let (malformed_status, malformed) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "not a login!", "password": STRONG_PASSWORD}),
        )
        .await;

    for (status, error) in [
        (wrong_status, &wrong),
        (missing_status, &missing),
        (malformed_status, &malformed),
    ] {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error["code"], "invalid_credentials");
        assert_eq!(error["message"], wrong["message"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_is_refused_only_with_the_right_password() {
    let app = TestApp::spawn().await;
    let profile = app.register("ada").await;
    let id = profile.public.user_id.to_string();
    let id = id.as_str();
    app.set_status_in_database(id, "disabled").await;

    let (status, error) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("account_disabled"))
    );

    let (status, error) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": "not the password at all"}),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_hash_carries_the_configured_parameters_and_is_upgraded_on_login() {
    let low = fast_settings();
    let app = TestApp::spawn_with(low).await;
    let profile = app.register("ada").await;
    let id = profile.public.user_id.to_string();
    let first_hash = app.stored_hash(&id).await;
    assert_eq!(argon2_parameters(&first_hash), (64, 1, 1));

    // Same database, a second instance configured with higher parameters.
    let context = app.stop().await;
    let higher = UserSettings {
        password_hash: PasswordHashSettings {
            memory_kib: 256,
            iterations: 2,
            parallelism: 2,
            ..PasswordHashSettings::insecure_for_tests()
        },
        ..UserSettings::default()
    };
    let app = TestApp::spawn_in(context, higher).await;
    let (status, _) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let upgraded = app.stored_hash(&id).await;
    assert_ne!(upgraded, first_hash);
    assert_eq!(argon2_parameters(&upgraded), (256, 2, 2));
    // The upgraded hash still verifies, and is not upgraded again.
    let (status, _) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.stored_hash(&id).await, upgraded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_defaults_are_the_owasp_minimum_and_work_end_to_end() {
    let app = TestApp::spawn_with(UserSettings::default()).await;
    let profile = app.register("ada").await;
    let hash = app.stored_hash(&profile.public.user_id.to_string()).await;
    assert_eq!(argon2_parameters(&hash), (19_456, 2, 1));

    let (status, _) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada@example.org", "password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_internal_user_lookup_answers_the_summary_or_user_not_found() {
    let app = TestApp::spawn().await;
    let profile = app.register("ada").await;
    let id = profile.public.user_id.to_string();
    let id = id.as_str();

    let (status, summary) = app.get(&format!("/internal/v1/users/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summary["username"], "ada");
    assert_eq!(summary["roles"], json!(["user"]));

    let (status, error) = app
        .get("/internal/v1/users/0190a0a0-0000-7000-8000-000000000000")
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("user_not_found"))
    );

    let (status, error) = app.get("/internal/v1/users/not-a-uuid").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path_parameter"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_check_costs_one_verification_and_is_counted() {
    let app = TestApp::spawn().await;
    app.register("ada").await;
    // Right password, wrong password, missing account, malformed login: every one of them
    // costs exactly one Argon2 verification (the missing ones against the dummy hash).
    for (login, password) in [
        ("ada", STRONG_PASSWORD),
        ("ada", "not the password at all"),
        ("nobody", STRONG_PASSWORD),
        ("not a login!", STRONG_PASSWORD),
    ] {
        app.post(
            "/internal/v1/credentials/verify",
            json!({"login": login, "password": password}),
        )
        .await;
    }

    let metrics = app.service.metrics_text().await.unwrap();

    for line in [
        "nexus_user_credential_checks_total{outcome=\"accepted\"} 1",
        "nexus_user_credential_checks_total{outcome=\"rejected\"} 3",
        "nexus_user_password_hash_seconds_count{operation=\"verify\"} 4",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing:\n{metrics}"
        );
    }
    // Start-up (dummy hash) and registration each hashed once.
    assert!(
        metrics
            .lines()
            .any(|l| l == "nexus_user_password_hash_seconds_count{operation=\"hash\"} 2"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_internal_route_refuses_a_caller_without_the_service_token() {
    let app = TestApp::spawn().await;
    let profile = app.register("ada").await;
    let user_id = profile.public.user_id.to_string();
    let user_id = user_id.as_str();
    let key = "ab".repeat(32);
    let routes = [
        (
            reqwest::Method::POST,
            "/internal/v1/credentials/verify".to_owned(),
            Some(json!({"login": "ada", "password": STRONG_PASSWORD})),
        ),
        (
            reqwest::Method::GET,
            format!("/internal/v1/users/{user_id}"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/internal/v1/ws-keys/{key}"),
            None,
        ),
        (
            reqwest::Method::POST,
            "/internal/v1/users/resolve".to_owned(),
            Some(json!({"login": "ada"})),
        ),
        (
            reqwest::Method::POST,
            format!("/internal/v1/users/{user_id}/revoke-tokens"),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/internal/v1/users/{user_id}/wallets"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/internal/v1/wallets/{WALLET}"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/internal/v1/password-resets/{}/token", "A".repeat(43)),
            None,
        ),
    ];
    let outsider = reqwest::Client::new();
    for (method, path, body) in &routes {
        for token in [None, Some("not-the-service-token-not-the-service-token")] {
            let mut request = outsider.request(method.clone(), app.url(path));
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some(token) = token {
                request = request.header("x-nexus-service-token", token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
            let error: serde_json::Value = response.json().await.unwrap();
            assert_eq!(error["code"], "service_authentication_required", "{path}");
        }
        // An escaped spelling of the same path is refused too.
        let escaped = path.replacen("/internal", "/%69nternal", 1);
        let response = outsider
            .request(method.clone(), app.url(&escaped))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{escaped}");
    }

    // With the token (what nexus-auth and the gateway send) every route answers.
    let (status, _) = app
        .post(
            "/internal/v1/credentials/verify",
            json!({"login": "ada", "password": STRONG_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&format!("/internal/v1/users/{user_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = app.get(&format!("/internal/v1/ws-keys/{key}")).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_key"))
    );
    let (status, resolved) = app
        .post("/internal/v1/users/resolve", json!({"login": "ada"}))
        .await;
    assert_eq!(
        (status, resolved["user_id"].as_str()),
        (StatusCode::OK, Some(user_id))
    );
    let (status, wallets) = app
        .get(&format!("/internal/v1/users/{user_id}/wallets"))
        .await;
    assert_eq!(status, StatusCode::OK, "{wallets}");
    let (status, owner) = app.get(&format!("/internal/v1/wallets/{WALLET}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no account linked it: {owner}"
    );
    let (status, error) = app
        .post(
            &format!("/internal/v1/password-resets/{}/token", "A".repeat(43)),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("password_reset_not_found"))
    );
    // Last: it revokes ada's tokens (the refusals above revoked nothing).
    let (status, revoked) = app
        .post(
            &format!("/internal/v1/users/{user_id}/revoke-tokens"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
}

/// A wallet address nobody linked.
const WALLET: &str = "0x00000000000000000000000000000000000000a1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_checks_are_limited_per_login_per_account_and_overall() {
    let mut settings = fast_settings();
    settings.credential_limits.per_login = nexus_user::settings::AttemptLimit {
        attempts: 3,
        window: std::time::Duration::from_secs(60),
    };
    settings.credential_limits.overall = nexus_user::settings::AttemptLimit {
        attempts: 8,
        window: std::time::Duration::from_secs(60),
    };
    let app = TestApp::spawn_with(settings).await;
    app.register("ada").await;
    let check = |login: &'static str| {
        let app = &app;
        async move {
            let response = app
                .http
                .post(app.url("/internal/v1/credentials/verify"))
                .json(&json!({"login": login, "password": "not the password at all"}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().parse::<u64>().unwrap());
            let body: serde_json::Value = response.json().await.unwrap();
            (
                status,
                body["code"].as_str().unwrap_or("").to_owned(),
                retry_after,
            )
        }
    };

    for _ in 0..3 {
        let (status, code, _) = check("ada").await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "invalid_credentials")
        );
    }
    let (status, code, retry_after) = check("ada").await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "credential_checks_limited")
    );
    let retry_after = retry_after.expect("a Retry-After header");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // The same account under its other login is limited too (counted per account).
    let (status, _, _) = check("ADA@example.org").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Other logins go on until the overall limit (8 checks) is used up.
    for login in ["bob", "carol", "dave"] {
        let (status, _, _) = check(login).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{login}");
    }
    let (status, code, _) = check("erin").await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "credential_checks_limited")
    );
}
