//! The web dashboard in a real browser against the real platform: auth, user, analysis, the
//! marketplace on anvil and the gateway serving the built dashboard (`dashboard/dist`, built by
//! `dashboard/ci.sh`), driven by Debian's Chromium through Playwright (`dashboard/e2e/run.mjs`):
//! register, enrol a second factor and sign in through the MFA step, upload a file by drag and
//! drop and watch its analysis complete over the WebSocket, open the report, browse the bounties
//! and watch a bounty another member posted open live (`bounty:{id}`: this test confirms the
//! creation on the chain once the page says it is watching); axe-core on every page (no serious or critical violations), no CSP violation, a phone-width
//! layout without horizontal scrolling, and a screenshot of each page under
//! `$CARGO_TARGET_DIR/dashboard-screenshots/pages/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use nexus_testkit::chain::NXS;
use reqwest::Method;
use serde_json::json;

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "support/browser.rs"]
mod browser;

use browser::BrowserScript;

/// Longest the browser script may take (it takes ~20 s here).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

/// The steps the script reports, in order; each line is `step <name> ok`.
const STEPS: [&str; 10] = [
    "register",
    "home_empty",
    "mfa",
    "submit",
    "live_analysis",
    "report",
    "bounties",
    "bounty_live",
    "home_charts",
    "phone",
];

/// The line the script prints once the bounty's page is subscribed to `bounty:{id}`.
const WATCHING: &str = "watching bounty";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_up_uploads_a_file_watches_it_live_and_reads_the_report_in_a_browser() {
    let dist = browser::dashboard_dist();
    let platform = platform::start_market_with(|gateway| gateway.dashboard.dir = dist).await;
    let (creator, bounty_id) = post_pending_bounty(&platform).await;
    let mut script = BrowserScript::start(
        "run.mjs",
        &platform.gateway.base_url(),
        "pages",
        BROWSER_TIMEOUT,
        &[("NEXUS_E2E_BOUNTY", bounty_id.clone())],
    );
    let mut confirmed = false;
    let status = loop {
        if let Some(status) = script.finished() {
            break status;
        }
        // The page watches the pending bounty: confirm its creation on the chain (mining until
        // the listener reports it open), which the page must then show without a reload.
        if !confirmed && script.printed().contains(WATCHING) {
            market::until_bounty(
                &platform,
                &creator,
                &bounty_id,
                "the bounty opens",
                |bounty| bounty["status"] == "open",
            )
            .await;
            confirmed = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    script.check(status, &STEPS);
}

/// A public bounty on a file, posted by a fresh member through the gateway and left `pending`:
/// nothing mines the block that confirms its creation until the test says so.
async fn post_pending_bounty(platform: &platform::Platform) -> (market::Member, String) {
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();
    let creator = platform.sign_up("creator").await;
    let creator = market::member(platform, creator, 1_000 * NXS).await;
    let sample = format!("dashboard bounty sample {}", uuid::Uuid::now_v7()).into_bytes();
    let (status, uploaded) = market::raw_upload(platform, creator.token(), sample).await;
    assert_eq!(status, 202, "upload: {uploaded}");
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();
    let (reward, min_stake) = (25 * NXS, NXS);
    let assertion_deadline = chain.now().await.unwrap() + params.minCommitWindow + 3_600;
    let query = format!(
        "/api/v1/bounties/intents/create?signer={}&artifact_kind=file&sha256={sha256}\
         &reward={reward}&min_stake={min_stake}&assertion_deadline={assertion_deadline}",
        creator.address()
    );
    let (status, typed) =
        accounts::call(platform, Method::GET, &query, Some(creator.token()), None).await;
    assert_eq!(status, 200, "create intent: {typed}");
    let intent = market::intent_typed_data(&typed);
    let permit = market::permit_typed_data(&typed);
    let body = json!({
        "artifact": {"kind": "file", "sha256": sha256},
        "reward": reward.to_string(),
        "min_stake": min_stake.to_string(),
        "assertion_deadline": assertion_deadline,
        "is_public": true,
        "intent": market::signed_intent(&creator, &intent),
        "permit": market::signed_permit(&creator, &permit),
    });
    let (status, created) = accounts::call(
        platform,
        Method::POST,
        "/api/v1/bounties",
        Some(creator.token()),
        Some(body),
    )
    .await;
    assert_eq!(status, 202, "POST /api/v1/bounties: {created}");
    let id = created["id"].as_str().unwrap().to_owned();
    (creator, id)
}
