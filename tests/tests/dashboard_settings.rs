//! The dashboard's settings and admin pages in a real browser against the real auth, user and
//! analysis services and the gateway serving `dashboard/dist` (`dashboard/e2e/settings.mjs`,
//! Debian's Chromium through Playwright): a member edits the profile, creates an API key (shown
//! once, then only its prefix), links a wallet (a test wallet in the page signs the challenge with
//! `personal_sign`), registers a WebSocket key with its proof, and is shown the API's
//! refusal at `/admin/audit` with no admin navigation; an administrator enrols TOTP from the QR
//! page, signs in through the MFA step, makes the member an analyst, sees a policy error at its
//! line and column and filters the audit log. axe-core on each page, no CSP violation, a
//! screenshot per step under `$CARGO_TARGET_DIR/dashboard-screenshots/settings/`. Afterwards this
//! test checks over the API what the pages claimed: the role, the key, the WebSocket key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

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
const STEPS: [&str; 12] = [
    "profile",
    "wallets",
    "api_key_created",
    "api_keys",
    "ws_keys",
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
    let platform = platform::start_with(|gateway| gateway.dashboard.dir = dist).await;
    let member = platform.sign_up("member").await;
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
    // The administrator's second factor is on: a password alone no longer signs in.
    let (status, answer) = accounts::login(&platform, &admin.username, platform::PASSWORD).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["mfa_required"], true, "{answer}");
}
