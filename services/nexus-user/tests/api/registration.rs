//! `POST /v1/users`: the happy path and every rejection.

use reqwest::StatusCode;
use serde_json::json;

use nexus_proto::user::RegisterRequest;

use crate::helpers::{STRONG_PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_is_a_user_with_a_normalised_email_and_a_referral_code() {
    let app = TestApp::spawn().await;

    // Raw, to see every field the answer carries (and none it must not).
    let (status, profile) = app
        .post(
            "/v1/users",
            json!({
                "email": "  Ada.Lovelace@Example.ORG ",
                "username": "Ada_Lovelace",
                "password": STRONG_PASSWORD,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{profile}");

    assert_eq!(profile["email"], "ada.lovelace@example.org");
    assert_eq!(profile["username"], "Ada_Lovelace");
    assert_eq!(profile["roles"], json!(["user"]));
    assert_eq!(profile["status"], "active");
    let code = profile["referral_code"].as_str().unwrap();
    assert_eq!(code.len(), 10);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    assert!(profile.get("password_hash").is_none() && profile.get("password").is_none());
    assert_eq!(app.outbox_events().await, vec!["UserRegistered"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_registration_is_refused_with_its_code_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let long_password = "x".repeat(1025);
    let cases = [
        (
            json!({"email": "ada@example.org", "username": "ada", "password": "password1234"}),
            StatusCode::BAD_REQUEST,
            "password_too_weak",
        ),
        (
            json!({"email": "ada@example.org", "username": "ada", "password": "Xk9#qL2!"}),
            StatusCode::BAD_REQUEST,
            "password_too_short",
        ),
        (
            json!({"email": "ada@example.org", "username": "ada", "password": long_password}),
            StatusCode::BAD_REQUEST,
            "password_too_long",
        ),
        (
            json!({"email": "ada(at)example.org", "username": "ada", "password": STRONG_PASSWORD}),
            StatusCode::BAD_REQUEST,
            "invalid_email",
        ),
        (
            json!({"email": format!("{}@example.org", "a".repeat(250)), "username": "ada", "password": STRONG_PASSWORD}),
            StatusCode::BAD_REQUEST,
            "invalid_email",
        ),
        (
            json!({"email": "ada@example.org", "username": "a@b", "password": STRONG_PASSWORD}),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            json!({"email": "ada@example.org", "username": "x".repeat(33), "password": STRONG_PASSWORD}),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            json!({"email": "ada@example.org", "username": "ada", "password": STRONG_PASSWORD, "referral_code": "AAAAAAAAAA"}),
            StatusCode::BAD_REQUEST,
            "unknown_referral_code",
        ),
        (
            json!({"email": "ada@example.org", "username": "ada", "password": STRONG_PASSWORD, "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request_body",
        ),
        (
            json!({"email": "ada@example.org", "username": "ada", "password": "p".repeat(20_000)}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (body, status, code) in cases {
        let (actual_status, error) = app.post("/v1/users", body.clone()).await;
        assert_eq!(
            (actual_status, error["code"].as_str()),
            (status, Some(code)),
            "{body} → {error}"
        );
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    assert!(app.outbox_events().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_password_is_explained_with_zxcvbn_feedback() {
    let app = TestApp::spawn().await;

    let (status, error) = app
        .post(
            "/v1/users",
            json!({"email": "ada@example.org", "username": "ada", "password": "password1234"}),
        )
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "password_too_weak");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("strength") && message.contains("at least 3"),
        "{message}"
    );
    // zxcvbn's warning for a top-100 password, and its suggestion to add words.
    assert!(message.to_lowercase().contains("common"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_email_in_another_case_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.register_with(RegisterRequest {
        email: "ada@example.org".into(),
        username: "ada".into(),
        password: STRONG_PASSWORD.into(),
        referral_code: None,
    })
    .await;

    let (status, error) = app
        .post(
            "/v1/users",
            json!({"email": "ADA@Example.org", "username": "ada2", "password": STRONG_PASSWORD}),
        )
        .await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["code"], "email_taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_username_in_another_case_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.register("ada").await;

    let (status, error) = app
        .post(
            "/v1/users",
            json!({"email": "other@example.org", "username": "ADA", "password": STRONG_PASSWORD}),
        )
        .await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["code"], "username_taken");
    assert_eq!(app.outbox_events().await, vec!["UserRegistered"]);
}
