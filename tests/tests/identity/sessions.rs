//! Sign-in, refresh rotation, reuse detection, the double-refresh race and logout.

use nexus_http::token::{JwkSet, KeySet, TokenValidator};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, expect, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_sign_in_gives_a_verifiable_token_and_a_refresh_token_that_rotates() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;

    let tokens = identity.sign_in(&account).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.refresh_expires_in, 7 * 24 * 3600);
    let access = tokens.access_token.as_str();

    // The shared validator, fed with the published JWKS, accepts the token.
    let jwks: JwkSet = identity
        .http
        .get(format!(
            "{}/.well-known/jwks.json",
            identity.auth.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let validator = TokenValidator::new(
        identity.ctx.tokens.settings().rules(),
        KeySet::from_jwk_set(&jwks),
    );
    let claims = validator.validate(access).unwrap();
    assert_eq!(claims.sub, account.id);
    assert_eq!(claims.roles, ["user"]);
    assert_eq!(claims.amr, ["pwd"]);
    assert_eq!(claims.exp - claims.iat, 3600);

    // The user name works as a login too, case-insensitively for the lockout key.
    expect(
        identity.login(&account.username, PASSWORD).await,
        StatusCode::OK,
        None,
    )
    .await;

    let first = tokens.refresh_token.clone();
    let rotated = expect(identity.refresh(&first).await, StatusCode::OK, None).await;
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let claims = validator
        .validate(rotated["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(claims.sub, account.id);
    assert_eq!(claims.amr, ["pwd"]);
    let third = expect(identity.refresh(&second).await, StatusCode::OK, None).await;
    let third = third["refresh_token"].as_str().unwrap().to_owned();

    // Presenting a used token revokes the whole family, including the newest token.
    expect(
        identity.refresh(&first).await,
        StatusCode::UNAUTHORIZED,
        Some("refresh_token_reused"),
    )
    .await;
    expect(
        identity.refresh(&third).await,
        StatusCode::UNAUTHORIZED,
        Some("refresh_token_invalid"),
    )
    .await;
    expect(
        identity.refresh("not-a-token").await,
        StatusCode::UNAUTHORIZED,
        Some("refresh_token_invalid"),
    )
    .await;

    let reused = identity.audit("refresh_token_reused").await;
    assert_eq!(reused.len(), 1);
    assert_eq!(reused[0].subject.as_deref(), Some(account.id.as_str()));
    let logins = identity.audit("login_succeeded").await;
    assert_eq!(logins.len(), 2);
    assert_eq!(logins[0].detail["amr"], json!(["pwd"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_refreshes_of_one_token_exactly_one_succeeds() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let tokens = identity.sign_in(&account).await;
    let token = tokens.refresh_token.clone();

    const RACERS: usize = 16;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..RACERS {
        let http = identity.http.clone();
        let url = format!("{}/v1/auth/refresh", identity.auth.base_url());
        let token = token.clone();
        let barrier = barrier.clone();
        racers.spawn(async move {
            barrier.wait().await;
            let response = http
                .post(url)
                .json(&json!({"refresh_token": token}))
                .send()
                .await
                .unwrap();
            response.status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = racers.join_next().await {
        statuses.push(status.unwrap());
    }
    let succeeded = statuses
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    assert_eq!(succeeded, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|status| *status == StatusCode::OK || *status == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_family() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let tokens = identity.sign_in(&account).await;
    let first = tokens.refresh_token.clone();
    let rotated = expect(identity.refresh(&first).await, StatusCode::OK, None).await;
    let current = rotated["refresh_token"].as_str().unwrap().to_owned();

    let response = identity
        .post("/v1/auth/logout", None, &json!({"refresh_token": current}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect(
        identity.refresh(&current).await,
        StatusCode::UNAUTHORIZED,
        Some("refresh_token_invalid"),
    )
    .await;
    // Logging out twice is not an error.
    let again = identity
        .post("/v1/auth/logout", None, &json!({"refresh_token": current}))
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);

    let rows = identity.audit("logged_out").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].subject.as_deref(), Some(account.id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let wrong = expect(
        identity
            .login(&account.email, "not the password at all")
            .await,
        StatusCode::UNAUTHORIZED,
        Some("invalid_credentials"),
    )
    .await;
    let unknown = expect(
        identity.login("nobody@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        Some("invalid_credentials"),
    )
    .await;
    assert_eq!(wrong["message"], unknown["message"]);
    let failures = identity.audit("login_failed").await;
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .any(|row| row.subject.as_deref() == Some("nobody@example.com"))
    );
    expect(
        identity
            .post(
                "/v1/auth/login",
                None,
                &json!({"login": "", "password": "x"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invalid_field"),
    )
    .await;
}
