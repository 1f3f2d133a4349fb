//! Account helpers for end-to-end tests through the gateway: raw calls, sign-in, waiting for
//! a token's fate, an administrator who passed a second factor, and status changes.

// Each test binary uses the part of the helpers it needs.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use nexus_auth::domain::totp::{DIGITS, base32_decode, code_at_step, step_at};
use nexus_proto::auth::{
    CreateApiKeyRequest, CreatedApiKey, LoginRequest, LoginResponse, MfaLoginRequest,
    TotpConfirmRequest,
};
use nexus_proto::user::ChangeStatusRequest;
use nexus_testkit::nexus_client::CallContext;
use reqwest::Method;
use serde_json::{Value, json};

use crate::platform::{PASSWORD, Platform};

pub async fn call(
    platform: &Platform,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = platform.http.request(method, platform.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Signs in; returns the whole token answer.
pub async fn login(platform: &Platform, login: &str, password: &str) -> (u16, Value) {
    call(
        platform,
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"login": login, "password": password})),
    )
    .await
}

/// Polls `GET /api/v1/users/me` with `token` until it answers `status` (10 s at most).
pub async fn until_me_answers(platform: &Platform, token: &str, status: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (actual, body) =
            call(platform, Method::GET, "/api/v1/users/me", Some(token), None).await;
        if actual == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "still {actual} {body}, expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn totp_code(secret: &[u8], step: i64) -> String {
    code_at_step(secret, step, DIGITS)
}

/// An administrator whose session passed TOTP (privilege changes need a second factor): signed
/// up, promoted in the user service's table (the only way to make the first admin), enrolled.
pub async fn mfa_admin(platform: &Platform, name: &str) -> String {
    let account = platform.sign_up(name).await;
    let id: uuid::Uuid = account.id.parse().unwrap();
    sqlx::query!("UPDATE users.accounts SET role = 'admin' WHERE id = $1", id)
        .execute(&platform.context.database.pool)
        .await
        .unwrap();
    let token = platform.sign_in(name).await;
    let auth = platform.api.auth();
    let as_admin = CallContext::bearer(&token);
    let enrolment = auth.enrol_totp(&as_admin).await.unwrap();
    let secret = base32_decode(&enrolment.secret).unwrap();
    let now = step_at(chrono::Utc::now().timestamp());
    auth.confirm_totp(
        &as_admin,
        &TotpConfirmRequest {
            code: totp_code(&secret, now),
        },
    )
    .await
    .unwrap();
    let password = LoginRequest {
        login: name.to_owned(),
        password: PASSWORD.to_owned(),
    };
    let challenge = match auth.login(&CallContext::none(), &password).await.unwrap() {
        LoginResponse::MfaRequired(challenge) => Some(challenge),
        LoginResponse::Tokens(_) => None,
    }
    .expect("the enrolled second factor is asked for");
    // The confirmation used this step; the next one is accepted (one step of drift).
    let second_factor = MfaLoginRequest {
        mfa_token: challenge.mfa_token,
        code: Some(totp_code(&secret, now + 1)),
        recovery_code: None,
    };
    auth.login_mfa(&CallContext::none(), &second_factor)
        .await
        .unwrap()
        .access_token
}

/// Creates an API key as the holder of `token` through the gateway.
pub async fn create_key(
    platform: &Platform,
    token: &str,
    name: &str,
    scopes: &[&str],
) -> CreatedApiKey {
    let request = CreateApiKeyRequest {
        name: name.to_owned(),
        scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
        tier: None,
        expires_in_days: None,
    };
    platform
        .api
        .auth()
        .create_api_key(&CallContext::bearer(token), &request)
        .await
        .unwrap()
}

pub async fn set_status(platform: &Platform, admin: &str, user_id: &str, status: &str) {
    platform
        .api
        .users()
        .change_status(
            &CallContext::bearer(admin),
            user_id.parse().unwrap(),
            &ChangeStatusRequest {
                status: status.to_owned(),
            },
        )
        .await
        .unwrap();
}
