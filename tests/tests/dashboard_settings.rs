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

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

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

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `$CARGO_TARGET_DIR`, or the target directory this test binary was built into.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap();
    // <target>/<profile>/deps/<binary>
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn chromium() -> PathBuf {
    std::env::var_os("NEXUS_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_manages_credentials_and_an_administrator_changes_a_role_in_the_browser() {
    let root = repository();
    let dist = root.join("dashboard/dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no build: run dashboard/ci.sh (scripts/test.sh does) first",
        dist.display()
    );
    assert!(
        root.join("dashboard/node_modules/playwright-core").is_dir(),
        "the dashboard's npm packages are missing: run dashboard/ci.sh first"
    );
    assert!(
        chromium().is_file(),
        "{} is missing: apt-get install -y chromium (dashboard/ci.sh does)",
        chromium().display()
    );
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

    let shots = target_dir().join("dashboard-screenshots/settings");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let log = shots.join("run.log");
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(root.join("dashboard/e2e/settings.mjs"))
        .arg(platform.gateway.base_url())
        .env("NEXUS_SCREENSHOTS", &shots)
        .env("NEXUS_CHROMIUM", chromium())
        .env("NEXUS_E2E_MEMBER", &member.username)
        .env("NEXUS_E2E_MEMBER_ID", &member.id)
        .env("NEXUS_E2E_ADMIN", &admin.username)
        .env("NEXUS_E2E_PASSWORD", platform::PASSWORD)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs (apt-get install -y nodejs)");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "the browser script ran over {BROWSER_TIMEOUT:?}; its output so far:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let output = std::fs::read_to_string(&log).unwrap();
    println!("{output}");
    assert!(
        status.success(),
        "the browser script failed ({status}):\n{output}"
    );
    let mut reported = output
        .lines()
        .filter_map(|line| line.strip_prefix("step ")?.strip_suffix(" ok"));
    for step in STEPS {
        assert_eq!(
            reported.next(),
            Some(step),
            "steps out of order or missing:\n{output}"
        );
        assert!(
            shots.join(format!("{step}.png")).is_file(),
            "no screenshot of {step}"
        );
    }

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
