//! The web dashboard in a real browser against the real platform: auth, user, analysis, the
//! marketplace on anvil and the gateway serving the built dashboard (`dashboard/dist`, built by
//! `dashboard/ci.sh`), driven by Debian's Chromium through Playwright (`dashboard/e2e/run.mjs`):
//! register, enrol a second factor and sign in through the MFA step, upload a file by drag and
//! drop and watch its analysis complete over the WebSocket, open the report, browse the bounties;
//! axe-core on every page (no serious or critical violations), no CSP violation, a phone-width
//! layout without horizontal scrolling, and a screenshot of each page under
//! `$CARGO_TARGET_DIR/dashboard-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/platform.rs"]
mod platform;

/// Longest the browser script may take (it takes ~20 s here).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

/// The steps the script reports, in order; each line is `step <name> ok`.
const STEPS: [&str; 9] = [
    "register",
    "home_empty",
    "mfa",
    "submit",
    "live_analysis",
    "report",
    "bounties",
    "home_charts",
    "phone",
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
async fn a_person_signs_up_uploads_a_file_watches_it_live_and_reads_the_report_in_a_browser() {
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
    let platform = platform::start_market_with(|gateway| gateway.dashboard.dir = dist).await;
    let screenshots = target_dir().join("dashboard-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let log = screenshots.join("run.log");

    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(root.join("dashboard/e2e/run.mjs"))
        .arg(platform.gateway.base_url())
        .env("NEXUS_SCREENSHOTS", &screenshots)
        .env("NEXUS_CHROMIUM", chromium())
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
    }
    for step in STEPS {
        assert!(
            screenshots.join(format!("{step}.png")).is_file(),
            "no screenshot of {step}"
        );
    }
}
