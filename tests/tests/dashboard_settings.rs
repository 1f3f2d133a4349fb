//! The dashboard's settings and admin pages in a real browser against the real auth, user and
//! analysis services and the gateway serving `dashboard/dist` (`dashboard/e2e/settings.mjs`,
//! Debian's Chromium through Playwright): a member edits the profile, creates an API key (shown
//! once, then only its prefix), links a wallet (a test wallet in the page signs the challenge with
//! `personal_sign`), registers a WebSocket key with its proof, reads the "analysis completed" notice
//! of a file this test uploaded as it (the unread badge drops), adds a webhook endpoint at a real
//! receiver this test starts (the secret shown once), and is shown the API's
//! refusal at `/admin/audit` with no admin navigation; an administrator enrols TOTP from the QR
//! page, signs in through the MFA step, makes the member an analyst, sees a policy error at its
//! line and column and filters the audit log. axe-core on each page, no CSP violation, a
//! screenshot per step under `$CARGO_TARGET_DIR/dashboard-screenshots/settings/`. Afterwards this
//! test checks over the API what the pages claimed: the role, the key, the WebSocket key, the
//! notice read and the webhook endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use nexus_testkit::webhook_receiver::WebhookReceiver;
use reqwest::Method;

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/browser.rs"]
mod browser;

use browser::BrowserScript;

/// Longest the browser script may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(180);

/// The steps the script reports, in order; each line is `step <name> ok`.
const STEPS: [&str; 14] = [
    "profile",
    "wallets",
    "api_key_created",
    "api_keys",
    "ws_keys",
    "notifications_read",
    "webhook_created",
    "admin_refused",
    "mfa_enrol",
    "mfa_recovery",
    "admin_users",
    "admin_policies",
    "admin_audit",
    "settings_phone",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_manages_credentials_and_an_administrator_changes_a_role_in_the_browser() {
    let dist = browser::dashboard_dist();
    let receiver = WebhookReceiver::start(200).await;
    let hook_port = receiver.port;
    let platform = platform::start_market_notifying_with(
        |gateway| gateway.dashboard.dir = dist,
        move |notification| notification.webhooks.allowed_ports = vec![hook_port],
    )
    .await;
    let member = platform.sign_up("member").await;
    // A file of the member's, analysed before the browser starts: its notice is in the inbox.
    let sha256 = upload_and_wait_for_notice(&platform, &member.token).await;
    // The first administrator can only be made in the user service's table; the browser then
    // enrols its second factor itself.
    let admin = platform.sign_up("admin").await;
    let admin_id: uuid::Uuid = admin.id.parse().unwrap();
    sqlx::query!(
        "UPDATE users.accounts SET role = 'admin' WHERE id = $1",
        admin_id
    )
    .execute(&platform.context.database.pool)
    .await
    .unwrap();

    let mut script = BrowserScript::start(
        "settings.mjs",
        &platform.gateway.base_url(),
        "settings",
        BROWSER_TIMEOUT,
        &[
            ("NEXUS_E2E_MEMBER", member.username.clone()),
            ("NEXUS_E2E_MEMBER_ID", member.id.clone()),
            ("NEXUS_E2E_ADMIN", admin.username.clone()),
            ("NEXUS_E2E_PASSWORD", platform::PASSWORD.to_owned()),
            ("NEXUS_E2E_HOOK_URL", receiver.url()),
        ],
    );
    let status = script.wait().await;
    let output = script.check(status, &STEPS);

    // What the pages said happened, read back over the API. The role change ended the member's
    // sessions: a new sign-in carries the new role.
    let token = platform.sign_in(&member.username).await;
    let me = accounts::until_me_answers(&platform, &token, 200).await;
    assert_eq!(me["roles"], serde_json::json!(["analyst"]), "{me}");
    assert_eq!(me["display_name"], "Settings E2E", "{me}");
    assert_eq!(me["website"], "https://e2e.example", "{me}");
    let (status, keys) = accounts::call(
        &platform,
        Method::GET,
        "/api/v1/api-keys",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{keys}");
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0]["name"], "e2e scanner");
    assert_eq!(keys[0]["scopes"], serde_json::json!(["analysis:submit"]));
    let (status, ws_keys) = accounts::call(
        &platform,
        Method::GET,
        "/api/v1/users/me/ws-keys",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{ws_keys}");
    assert_eq!(ws_keys["keys"][0]["label"], "e2e feed", "{ws_keys}");
    let linked = output
        .lines()
        .find_map(|line| line.strip_prefix("wallet "))
        .expect("the script names the wallet it linked")
        .to_lowercase();
    let (status, wallets) = accounts::call(
        &platform,
        Method::GET,
        "/api/v1/users/me/wallets",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{wallets}");
    assert_eq!(
        wallets["wallets"][0]["address"]
            .as_str()
            .map(str::to_lowercase),
        Some(linked),
        "{wallets}"
    );
    // The notice the page marked read, and the endpoint it added.
    let (status, inbox) = accounts::call(
        &platform,
        Method::GET,
        "/api/v1/notifications",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{inbox}");
    let notice = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|notice| notice["kind"] == "analysis.completed" && notice["data"]["sha256"] == sha256)
        .unwrap_or_else(|| panic!("no analysis notice: {inbox}"));
    assert!(notice["read_at"].is_string(), "{notice}");
    let (status, endpoints) = accounts::call(
        &platform,
        Method::GET,
        "/api/v1/webhooks/endpoints",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{endpoints}");
    assert_eq!(endpoints["items"][0]["url"], receiver.url(), "{endpoints}");
    assert_eq!(
        endpoints["items"][0]["description"], "e2e receiver",
        "{endpoints}"
    );
    assert_eq!(
        endpoints["items"][0]["event_types"],
        serde_json::json!(["analysis.completed"]),
        "{endpoints}"
    );
    // The administrator's second factor is on: a password alone no longer signs in.
    let (status, answer) = accounts::login(&platform, &admin.username, platform::PASSWORD).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["mfa_required"], true, "{answer}");
}

/// Uploads a file as `token`'s account and waits (polling the inbox, 60 s at most) for its
/// `analysis.completed` notice; the file's SHA-256.
async fn upload_and_wait_for_notice(platform: &platform::Platform, token: &str) -> String {
    let sample = format!("settings e2e sample {}", uuid::Uuid::now_v7()).into_bytes();
    let response = platform
        .http
        .post(platform.url("/api/v1/files"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(sample)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let uploaded: serde_json::Value = response.json().await.unwrap();
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, inbox) = accounts::call(
            platform,
            Method::GET,
            "/api/v1/notifications",
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{inbox}");
        let found = inbox["notices"].as_array().is_some_and(|notices| {
            notices.iter().any(|n| {
                n["kind"] == "analysis.completed" && n["data"]["sha256"] == sha256.as_str()
            })
        });
        if found {
            return sha256;
        }
        assert!(
            Instant::now() < deadline,
            "no analysis notice for {sha256}: {inbox}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
