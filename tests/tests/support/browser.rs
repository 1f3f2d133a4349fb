//! The dashboard's browser scripts (`dashboard/e2e/*.mjs`: Playwright driving Debian's Chromium)
//! run by a test against the platform it started: the build, the npm packages and the browser
//! checked first with a message that says how to get them, the script's output kept in
//! `run.log` beside its screenshots, the script stopped if the test ends first, and its reported
//! steps and screenshots checked at the end.

// Each test binary uses the part of the helpers it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The repository's root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `$CARGO_TARGET_DIR`, or the target directory this test binary was built into.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap();
    // <target>/<profile>/deps/<binary>
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The browser: `NEXUS_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn chromium() -> PathBuf {
    std::env::var_os("NEXUS_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// The built dashboard (`dashboard/dist`) for the gateway to serve, once it, the dashboard's npm
/// packages and the browser are known to be there (`dashboard/ci.sh` provides all three).
pub fn dashboard_dist() -> PathBuf {
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
    dist
}

/// A running browser script; killed when dropped if it still runs (a failed check on the test's
/// side must not leave it waiting).
pub struct BrowserScript {
    child: Child,
    /// Its screenshot folder (also where a test leaves files the script waits for).
    pub shots: PathBuf,
    log: PathBuf,
    started: Instant,
    timeout: Duration,
}

impl BrowserScript {
    /// Starts `node dashboard/e2e/<script> <gateway_url>` with `env` added, its screenshots in
    /// `$CARGO_TARGET_DIR/dashboard-screenshots/<folder>/`, emptied first (only this run's
    /// pictures, no failure.png of an earlier run; each script has its own folder).
    pub fn start(
        script: &str,
        gateway_url: &str,
        folder: &str,
        timeout: Duration,
        env: &[(&str, String)],
    ) -> Self {
        let root = repository();
        let shots = target_dir().join("dashboard-screenshots").join(folder);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let log = shots.join("run.log");
        let child = Command::new("node")
            .arg(root.join("dashboard/e2e").join(script))
            .arg(gateway_url)
            .env("NEXUS_SCREENSHOTS", &shots)
            .env("NEXUS_CHROMIUM", chromium())
            .envs(env.iter().map(|(name, value)| (*name, value)))
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs (apt-get install -y nodejs)");
        Self {
            child,
            shots,
            log,
            started: Instant::now(),
            timeout,
        }
    }

    /// What the script printed so far.
    pub fn printed(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The script's exit status once it ended, `None` while it runs; past the timeout the
    /// script is stopped and the test fails with its output so far.
    pub fn finished(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.child.try_wait().unwrap() {
            return Some(status);
        }
        if self.started.elapsed() > self.timeout {
            let _ = self.child.kill();
            let _ = self.child.wait();
            panic!(
                "the browser script ran over {:?}; its output so far:\n{}",
                self.timeout,
                self.printed()
            );
        }
        None
    }

    /// Waits until the script ends (polling every 200 ms).
    pub async fn wait(&mut self) -> ExitStatus {
        loop {
            if let Some(status) = self.finished() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Prints the script's output and checks that it succeeded, reported `steps` (lines
    /// `step <name> ok`) in this order and left a screenshot of each; returns the output.
    #[allow(clippy::print_stdout)] // the script's log shown with the test's output
    pub fn check(&self, status: ExitStatus, steps: &[&str]) -> String {
        let output = self.printed();
        println!("{output}");
        assert!(
            status.success(),
            "the browser script failed ({status}):\n{output}"
        );
        let mut reported = output
            .lines()
            .filter_map(|line| line.strip_prefix("step ")?.strip_suffix(" ok"));
        for step in steps {
            assert_eq!(
                reported.next(),
                Some(*step),
                "steps out of order or missing:\n{output}"
            );
            assert!(
                self.shots.join(format!("{step}.png")).is_file(),
                "no screenshot of {step}"
            );
        }
        output
    }
}

impl Drop for BrowserScript {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
