//! The brute-force defence through the API, on the fake clock.

use std::time::Duration;

use nexus_auth::settings::{IpLimitSettings, LockoutSettings};
use reqwest::StatusCode;

use crate::helpers::{Identity, PASSWORD, expect, start};

const WRONG: &str = "definitely not the password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_delay_then_lock_the_account_until_the_lock_expires() {
    let identity = start(|settings| {
        settings.lockout = LockoutSettings {
            free_failures: 2,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(4),
            lock_after: 5,
            lock_duration: Duration::from_secs(60),
            max_lock_duration: Duration::from_secs(600),
            reset_after: Duration::from_secs(3600),
        };
    })
    .await;
    let account = identity.register().await;
    let login = account.email.as_str();
    let tick = |seconds: u64| identity.clock.advance(Duration::from_secs(seconds));

    // (seconds to wait first, password, status, code) — the lockout table through the API.
    let table: [(u64, &str, StatusCode, &str); 9] = [
        (0, WRONG, StatusCode::UNAUTHORIZED, "invalid_credentials"), // failure 1 (free)
        (0, WRONG, StatusCode::UNAUTHORIZED, "invalid_credentials"), // failure 2 (free)
        (0, WRONG, StatusCode::UNAUTHORIZED, "invalid_credentials"), // failure 3 → 1 s delay
        (
            0,
            PASSWORD,
            StatusCode::TOO_MANY_REQUESTS,
            "login_throttled",
        ), // even the right password waits
        (1, WRONG, StatusCode::UNAUTHORIZED, "invalid_credentials"), // failure 4 → 2 s delay
        (1, WRONG, StatusCode::TOO_MANY_REQUESTS, "login_throttled"),
        (1, WRONG, StatusCode::UNAUTHORIZED, "invalid_credentials"), // failure 5 → locked 60 s
        (
            59,
            PASSWORD,
            StatusCode::TOO_MANY_REQUESTS,
            "account_locked",
        ),
        (1, PASSWORD, StatusCode::OK, ""), // the lock has expired
    ];
    for (row, (wait, password, status, code)) in table.into_iter().enumerate() {
        tick(wait);
        let response = identity.login(login, password).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            // Row 3 waits the 1 s delay, row 5 the 1 s left of 2 s, row 7 the 1 s left of the lock.
            assert_eq!(response.headers()["retry-after"], "1", "row {row}");
        }
        let body = expect(response, status, None).await;
        if !code.is_empty() {
            assert_eq!(body["code"], code, "row {row}: {body}");
        }
    }

    let locks = identity.audit("account_locked").await;
    assert_eq!(locks.len(), 1);
    // Counted per account: the audit names the account, not the login string.
    assert_eq!(locks[0].subject.as_deref(), Some(account.id.as_str()));
    assert_eq!(locks[0].detail["locked_for_seconds"], 60);
    assert_eq!(identity.audit("login_failed").await.len(), 5);
    let metrics = identity.auth.metrics_text().await.unwrap();
    for line in [
        "nexus_auth_account_locks_total 1",
        "nexus_auth_sign_ins_total{outcome=\"failed\"} 5",
        "nexus_auth_sign_ins_total{outcome=\"throttled\"} 2",
        "nexus_auth_sign_ins_total{outcome=\"locked\"} 1",
        "nexus_auth_sign_ins_total{outcome=\"succeeded\"} 1",
    ] {
        assert!(
            metrics.lines().any(|metric| metric == line),
            "{line} in\n{metrics}"
        );
    }

    // A success forgets the failures: three free failures again.
    for _ in 0..2 {
        expect(
            identity.login(login, WRONG).await,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_address_gets_a_limited_number_of_attempts_per_window() {
    let identity = start(|settings| {
        settings.trust_forwarded_for = true;
        settings.ip_limit = IpLimitSettings {
            max_attempts: 3,
            window: Duration::from_secs(60),
        };
    })
    .await;
    // Different login names, so only the address limit applies.
    for attempt in 0..3 {
        let login = format!("nobody{attempt}@example.com");
        let response = identity.login_from("203.0.113.9", &login, WRONG).await;
        expect(
            response,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
    let blocked = identity
        .login_from("203.0.113.9", "other@example.com", WRONG)
        .await;
    // The window started 40 s before the fake clock's start (windows align to the epoch).
    assert_eq!(blocked.headers()["retry-after"], "40");
    expect(
        blocked,
        StatusCode::TOO_MANY_REQUESTS,
        Some("too_many_login_attempts"),
    )
    .await;
    // Another address is not affected.
    let elsewhere = identity
        .login_from("198.51.100.4", "other@example.com", WRONG)
        .await;
    expect(
        elsewhere,
        StatusCode::UNAUTHORIZED,
        Some("invalid_credentials"),
    )
    .await;
    // The next window admits the first address again.
    identity.clock.advance(Duration::from_secs(60));
    let later = identity
        .login_from("203.0.113.9", "other@example.com", WRONG)
        .await;
    expect(later, StatusCode::UNAUTHORIZED, Some("invalid_credentials")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_count_per_account_whichever_of_its_names_is_typed() {
    let identity = start(|settings| {
        settings.lockout = LockoutSettings {
            free_failures: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            lock_after: 4,
            lock_duration: Duration::from_secs(60),
            max_lock_duration: Duration::from_secs(600),
            reset_after: Duration::from_secs(3600),
        };
    })
    .await;
    let account = identity.register().await;
    let upper = account.username.to_uppercase();
    // Four names of one account: e-mail, username, both in another case.
    let names = [
        account.email.clone(),
        account.username.clone(),
        account.email.to_uppercase(),
        upper,
    ];
    for name in &names {
        expect(
            identity.login(name, WRONG).await,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
    // The fourth failure locked the account: every name is refused, even with the password.
    for name in &names {
        expect(
            identity.login(name, PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS,
            Some("account_locked"),
        )
        .await;
    }
    let locks = identity.audit("account_locked").await;
    assert_eq!(locks.len(), 1);
    assert_eq!(locks[0].subject.as_deref(), Some(account.id.as_str()));
}

/// One login attempt with a wrong password, as the gateway would forward it (`X-Nexus-Client-Ip`
/// set) or as a forger would: `client` decides whether the service token goes with it.
async fn attempt_asserting(
    identity: &Identity,
    client: &reqwest::Client,
    asserted_ip: &str,
    forwarded: &str,
    login: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/v1/auth/login", identity.auth.base_url()))
        .header("x-nexus-client-ip", asserted_ip)
        .header("x-forwarded-for", forwarded)
        .json(&serde_json::json!({"login": login, "password": WRONG}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_address_the_gateway_asserts_is_limited_and_x_forwarded_for_is_not_trusted()
{
    // Only the limit is configured: trust settings are the shipped defaults.
    let identity = start(|settings| {
        settings.ip_limit = IpLimitSettings {
            max_attempts: 3,
            window: Duration::from_secs(60),
        };
    })
    .await;
    // What the gateway sends: the service token beside the address it determined.
    let gateway = identity.ctx.service_http_client();
    // A rotating X-Forwarded-For does not spread the attempts: the gateway's header decides.
    for n in 0..3 {
        let response = attempt_asserting(
            &identity,
            &gateway,
            "203.0.113.9",
            &format!("10.0.0.{n}"),
            &format!("nobody{n}@example.com"),
        )
        .await;
        expect(
            response,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
    let blocked = attempt_asserting(
        &identity,
        &gateway,
        "203.0.113.9",
        "10.0.0.99",
        "other@example.com",
    )
    .await;
    expect(
        blocked,
        StatusCode::TOO_MANY_REQUESTS,
        Some("too_many_login_attempts"),
    )
    .await;
    // Another asserted address has its own count, although every request came from one peer.
    let elsewhere = attempt_asserting(
        &identity,
        &gateway,
        "198.51.100.4",
        "10.0.0.99",
        "other@example.com",
    )
    .await;
    expect(
        elsewhere,
        StatusCode::UNAUTHORIZED,
        Some("invalid_credentials"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_address_asserted_without_the_service_token_is_ignored_and_the_peer_is_limited() {
    let identity = start(|settings| {
        settings.ip_limit = IpLimitSettings {
            max_attempts: 3,
            window: Duration::from_secs(60),
        };
    })
    .await;
    // A pod inside the cluster (or anything else reaching the port) that is not the gateway:
    // it forges a fresh X-Nexus-Client-Ip on each attempt, but has no service token.
    let forger = reqwest::Client::new();
    for n in 0..3 {
        let response = attempt_asserting(
            &identity,
            &forger,
            &format!("203.0.113.{n}"),
            "198.51.100.1",
            &format!("nobody{n}@example.com"),
        )
        .await;
        expect(
            response,
            StatusCode::UNAUTHORIZED,
            Some("invalid_credentials"),
        )
        .await;
    }
    // Its fourth attempt, "from" yet another address, is counted against its real peer address
    // (loopback here), whose three attempts are used up.
    let blocked = attempt_asserting(
        &identity,
        &forger,
        "203.0.113.200",
        "198.51.100.1",
        "other@example.com",
    )
    .await;
    expect(
        blocked,
        StatusCode::TOO_MANY_REQUESTS,
        Some("too_many_login_attempts"),
    )
    .await;
    // A wrong token is no token.
    let wrong_token = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", identity.auth.base_url()))
        .header("x-nexus-client-ip", "203.0.113.201")
        .header("x-nexus-service-token", "x".repeat(64))
        .json(&serde_json::json!({"login": "other@example.com", "password": WRONG}))
        .send()
        .await
        .unwrap();
    expect(
        wrong_token,
        StatusCode::TOO_MANY_REQUESTS,
        Some("too_many_login_attempts"),
    )
    .await;
    // With the service token the header is believed: the same peer, asserting an address
    // with no attempts yet, is let through to the password check.
    let from_the_gateway = attempt_asserting(
        &identity,
        &identity.ctx.service_http_client(),
        "203.0.113.202",
        "198.51.100.1",
        "other@example.com",
    )
    .await;
    expect(
        from_the_gateway,
        StatusCode::UNAUTHORIZED,
        Some("invalid_credentials"),
    )
    .await;
}
