//! The marketplace from the web dashboard, signed by a wallet injected into the page: a member
//! with a linked wallet posts a bounty from `/bounties/new` and watches it go pending → open live;
//! an analyst stakes, commits a sealed verdict (its salt kept in the browser), reveals it once the
//! commit window closed, and claims its payout after the bounty resolved, all from the bounty's
//! page; then finds itself on the leaderboard (live) and its profile's history, and the creator
//! reads the file's weighted verdict on the report page (`dashboard/e2e/bounties.mjs`, Debian's Chromium through Playwright, axe-core and a
//! screenshot per step under `$CARGO_TARGET_DIR/dashboard-screenshots/bounties/`).
//!
//! The test wallet is an EIP-1193 provider the script installs with `addInitScript`, signing in
//! Node with the member's anvil key (`exposeFunction`). This side plays the chain's part: it
//! mines until the listener confirms what the page relayed, moves anvil's clock past the
//! windows, resolves the bounty, and tells the script through files in the screenshot directory
//! (the protocol is described at the top of bounties.mjs). The chain itself is the judge: a
//! reveal is only accepted when the browser's commitment and kept salt hash to what was
//! committed, and the claim pays only a right, revealed verdict.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use alloy::primitives::U256;
use nexus_testkit::chain::NXS;
use serde_json::{Value, json};

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "support/browser.rs"]
mod browser;

use browser::BrowserScript;

/// Longest the browser script may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(300);

/// The steps the script reports, in order.
const STEPS: [&str; 12] = [
    "bounty_unlinked_wallet",
    "bounty_create",
    "bounty_pending",
    "bounty_open_live",
    "bounty_commit_form",
    "bounty_committed",
    "bounty_revealed",
    "bounty_claimed",
    "reputation_leaderboard",
    "reputation_profile",
    "file_verdict",
    "bounty_phone",
];

/// The analyst's qualifying stake, as the page stakes it (100 NXS).
const QUALIFYING: u128 = 100 * NXS;

/// `<login> <private key>` for the script's test wallet (anvil keys of this test only).
fn wallet_env(member: &market::Member) -> String {
    format!(
        "{} {}",
        member.account.username,
        alloy::hex::encode_prefixed(member.wallet.signer.to_bytes())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_posts_a_bounty_and_an_analyst_commits_reveals_and_claims_from_the_dashboard() {
    let dist = browser::dashboard_dist();
    let platform = platform::start_market_with(|gateway| gateway.dashboard.dir = dist).await;
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();

    let admin = accounts::mfa_admin(&platform, "admin").await;
    let creator = platform.sign_up("creator").await;
    let creator = market::member(&platform, creator, 1_000 * NXS).await;
    let analyst = market::analyst(&platform, &admin, "analyst").await;
    let analyst = market::member(&platform, analyst, 200 * NXS).await;
    // Signed in, but its wallet is linked to no account: the page must say so.
    let outsider = platform.sign_up("outsider").await;
    let unlinked = alloy::signers::local::PrivateKeySigner::random();
    let sample = format!("dashboard bounty sample {}", uuid::Uuid::now_v7()).into_bytes();
    let (status, uploaded) = market::raw_upload(&platform, creator.token(), sample).await;
    assert_eq!(status, 202, "upload: {uploaded}");
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();
    let analysis_id = uploaded["analysis_id"].as_str().unwrap().to_owned();

    let mut script = BrowserScript::start(
        "bounties.mjs",
        &platform.gateway.base_url(),
        "bounties",
        BROWSER_TIMEOUT,
        &[
            ("NEXUS_E2E_CREATOR", wallet_env(&creator)),
            ("NEXUS_E2E_ANALYST", wallet_env(&analyst)),
            (
                "NEXUS_E2E_UNLINKED",
                format!(
                    "{} {}",
                    outsider.username,
                    alloy::hex::encode_prefixed(unlinked.to_bytes())
                ),
            ),
            ("NEXUS_E2E_SHA256", sha256.clone()),
            ("NEXUS_E2E_ANALYSIS", analysis_id),
            ("NEXUS_E2E_CHAIN_ID", chain.chain_id().to_string()),
        ],
    );
    let shots = script.shots.clone();

    let mut bounty_id: Option<String> = None;
    let mut opened: Option<Value> = None;
    let mut answered: Vec<&str> = Vec::new();
    let mut before_claim = U256::ZERO;
    let status = loop {
        if let Some(status) = script.finished() {
            break status;
        }
        let output = script.printed();
        if bounty_id.is_none()
            && let Some(id) = output
                .lines()
                .find_map(|line| line.strip_prefix("created "))
        {
            // Posted from the page: it is pending until the listener confirms the creation.
            let id = id.trim().to_owned();
            let view = market::until_bounty(&platform, &creator, &id, "the bounty opens", |b| {
                b["status"] == "open"
            })
            .await;
            assert_eq!(view["artifact"]["sha256"], sha256.as_str(), "{view}");
            assert_eq!(view["reward"], (25 * NXS).to_string(), "{view}");
            assert_eq!(
                view["creator_address"].as_str().map(str::to_lowercase),
                Some(creator.address().to_string().to_lowercase()),
                "{view}"
            );
            opened = Some(view);
            bounty_id = Some(id);
        }
        let id = bounty_id.clone().unwrap_or_default();
        if output.contains("\nstaked") && !answered.contains(&"stake-confirmed") {
            let token = chain.token();
            market::until(chain, "the analyst's stake is locked", || async {
                let staked = token.stakedOf(analyst.address()).call().await.unwrap();
                (staked == U256::from(QUALIFYING)).then_some(())
            })
            .await;
            signal(&shots, "stake-confirmed", &mut answered);
        }
        if output.contains("\ncommitted") && !answered.contains(&"reveal-window") {
            market::until_bounty(&platform, &creator, &id, "the commitment", |b| {
                b["commitment_count"] == 1
            })
            .await;
            let opened = opened.as_ref().unwrap();
            market::advance_past(chain, market::opened_deadline(opened, "assertion_deadline"))
                .await;
            signal(&shots, "reveal-window", &mut answered);
        }
        if output.contains("\nrevealed") && !answered.contains(&"claimable") {
            market::until_bounty(&platform, &creator, &id, "the reveal", |b| {
                b["reveal_count"] == 1
            })
            .await;
            let opened = opened.as_ref().unwrap();
            market::advance_past(chain, market::opened_deadline(opened, "reveal_deadline")).await;
            let path = format!("/api/v1/bounties/{id}/resolve");
            market::action(&platform, &creator, &path, json!({})).await;
            let resolved = market::until_bounty(&platform, &creator, &id, "resolved", |b| {
                b["status"] == "resolved"
            })
            .await;
            assert_eq!(resolved["outcome"], "malicious", "{resolved}");
            market::advance_past(chain, chain.now().await.unwrap() + params.disputeWindow).await;
            before_claim = chain.nxs_balance(analyst.address()).await.unwrap();
            signal(&shots, "claimable", &mut answered);
        }
        if output.contains("\nclaimed") && !answered.contains(&"paid") {
            let bounty = market::until_bounty(&platform, &analyst, &id, "the claim", |b| {
                market::assertion_of(b, analyst.address())["claimed"] == true
            })
            .await;
            assert_eq!(
                market::assertion_of(&bounty, analyst.address())["verdict"],
                "malicious",
                "{bounty}"
            );
            answered.push("paid");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let output = script.check(status, &STEPS);
    assert!(
        answered.contains(&"paid"),
        "the claim was never checked:\n{output}"
    );
    // The claim paid the analyst's wallet: its stake back and the reward, less the fee.
    let paid = chain.nxs_balance(analyst.address()).await.unwrap() - before_claim;
    assert!(paid > U256::from(NXS), "the claim paid {paid} wei");
}

/// Tells the script the chain has moved: the file `name` in the screenshot directory.
fn signal(shots: &Path, name: &'static str, answered: &mut Vec<&'static str>) {
    std::fs::write(shots.join(name), b"").unwrap();
    answered.push(name);
}
