//! Sign-in with TOTP and recovery codes, replay protection, and disabling with the password.

use std::time::Duration;

use nexus_auth::domain::totp::{base32_decode, code_at_step, step_at};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Identity, PASSWORD, START, expect, start};

async fn mfa_token(identity: &Identity, login: &str) -> String {
    let challenge = expect(identity.login(login, PASSWORD).await, StatusCode::OK, None).await;
    assert_eq!(challenge["mfa_required"], true, "{challenge}");
    assert!(challenge.get("access_token").is_none());
    challenge["mfa_token"].as_str().unwrap().to_owned()
}

async fn second_step(identity: &Identity, body: Value) -> reqwest::Response {
    identity.post("/v1/auth/login/mfa", None, &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_account_signs_in_with_a_fresh_code_or_a_single_use_recovery_code() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let tokens = identity.sign_in(&account).await;
    let access = tokens.access_token.clone();

    // Enrol and confirm at step T.
    let enrolment = expect(
        identity
            .post("/v1/auth/mfa/totp", Some(&access), &json!({}))
            .await,
        StatusCode::CREATED,
        None,
    )
    .await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let step = step_at(START);
    let confirm = json!({"code": code_at_step(&secret, step, 6)});
    let codes = expect(
        identity
            .post("/v1/auth/mfa/totp/confirm", Some(&access), &confirm)
            .await,
        StatusCode::OK,
        None,
    )
    .await;
    let recovery: Vec<String> = serde_json::from_value(codes["recovery_codes"].clone()).unwrap();

    // The password alone now yields a challenge; the confirming code cannot be replayed.
    let challenge = mfa_token(&identity, &account.email).await;
    let replay = second_step(
        &identity,
        json!({"mfa_token": challenge, "code": code_at_step(&secret, step, 6)}),
    )
    .await;
    expect(replay, StatusCode::UNAUTHORIZED, Some("mfa_code_invalid")).await;

    // The next step's code works once.
    identity.clock.advance(Duration::from_secs(30));
    let fresh = code_at_step(&secret, step + 1, 6);
    let signed_in = expect(
        second_step(&identity, json!({"mfa_token": challenge, "code": fresh})).await,
        StatusCode::OK,
        None,
    )
    .await;
    assert!(signed_in["access_token"].is_string());
    // The challenge is spent, and the code cannot serve another challenge either.
    expect(
        second_step(&identity, json!({"mfa_token": challenge, "code": fresh})).await,
        StatusCode::UNAUTHORIZED,
        Some("mfa_token_invalid"),
    )
    .await;
    let another = mfa_token(&identity, &account.email).await;
    expect(
        second_step(&identity, json!({"mfa_token": another, "code": fresh})).await,
        StatusCode::UNAUTHORIZED,
        Some("mfa_code_invalid"),
    )
    .await;

    // The MFA session's refresh keeps its methods.
    let refreshed = expect(
        identity
            .refresh(signed_in["refresh_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
        None,
    )
    .await;
    let payload = refreshed["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    let claims: Value = serde_json::from_slice(&base64_decode(&payload)).unwrap();
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));

    // A recovery code works once (typed in lower case, without the dash).
    let typed = recovery[0].to_lowercase().replace('-', "");
    let by_recovery = second_step(
        &identity,
        json!({"mfa_token": another, "recovery_code": typed}),
    )
    .await;
    expect(by_recovery, StatusCode::OK, None).await;
    let third = mfa_token(&identity, &account.email).await;
    let reused = second_step(
        &identity,
        json!({"mfa_token": third, "recovery_code": recovery[0]}),
    )
    .await;
    expect(reused, StatusCode::UNAUTHORIZED, Some("mfa_code_invalid")).await;
    let other_code = second_step(
        &identity,
        json!({"mfa_token": third, "recovery_code": recovery[1]}),
    )
    .await;
    expect(other_code, StatusCode::OK, None).await;

    assert_eq!(identity.audit("mfa_enabled").await.len(), 1);
    assert_eq!(identity.audit("recovery_code_used").await.len(), 2);
    let mfa_logins: Vec<_> = identity
        .audit("login_succeeded")
        .await
        .into_iter()
        .filter(|row| row.detail["amr"] == json!(["pwd", "otp", "mfa"]))
        .collect();
    assert_eq!(mfa_logins.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_the_second_factor_needs_the_password_again() {
    let identity = start(|_| {}).await;
    let account = identity.register().await;
    let tokens = identity.sign_in(&account).await;
    let access = tokens.access_token.clone();
    let enrolment = expect(
        identity
            .post("/v1/auth/mfa/totp", Some(&access), &json!({}))
            .await,
        StatusCode::CREATED,
        None,
    )
    .await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let confirm = json!({"code": code_at_step(&secret, step_at(START), 6)});
    expect(
        identity
            .post("/v1/auth/mfa/totp/confirm", Some(&access), &confirm)
            .await,
        StatusCode::OK,
        None,
    )
    .await;

    let wrong = identity
        .post(
            "/v1/auth/mfa/totp/disable",
            Some(&access),
            &json!({"password": "not it at all"}),
        )
        .await;
    expect(
        wrong,
        StatusCode::FORBIDDEN,
        Some("current_password_invalid"),
    )
    .await;
    let right = identity
        .post(
            "/v1/auth/mfa/totp/disable",
            Some(&access),
            &json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    let again = identity
        .post(
            "/v1/auth/mfa/totp/disable",
            Some(&access),
            &json!({"password": PASSWORD}),
        )
        .await;
    expect(again, StatusCode::CONFLICT, Some("mfa_not_enrolled")).await;

    // Back to password-only sign-in.
    let tokens = identity.sign_in(&account).await;
    assert!(!tokens.access_token.is_empty());
    assert_eq!(identity.audit("mfa_disabled").await.len(), 1);
}

fn base64_decode(segment: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}
