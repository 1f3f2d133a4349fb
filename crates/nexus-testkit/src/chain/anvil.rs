//! One anvil process on a free loopback port, behind a watchdog that kills it when the test
//! process ends, however it ends.
//!
//! anvil is started by a small `sh` watchdog whose standard input is a pipe from the test
//! process: the watchdog waits for that pipe to close and then stops anvil (SIGTERM, so a
//! `--dump-state` file is written). The pipe closes when [`AnvilNode`] is dropped or stopped, and
//! also when the test process exits or is killed (the kernel closes its descriptors), which a
//! `Drop` alone cannot promise: a `static` node is never dropped, and nextest kills a test that
//! runs past its timeout. So no anvil outlives its test process (`pgrep anvil` after a run
//! finds none).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::providers::Provider;

use crate::TestError;

/// Environment variable naming the anvil binary to use instead of the contracts' npm copy.
pub const ANVIL_VAR: &str = "TEST_NEXUS_ANVIL";

/// How long anvil gets to answer `eth_chainId` after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Start attempts: another process may take the free port between our probe and anvil's bind.
const START_ATTEMPTS: u32 = 3;

/// The watchdog: starts anvil (`$2`, with the remaining arguments; its standard error to the
/// file `$1`) in the background, waits until its own standard input closes, then stops anvil and
/// waits for it (so a dump on exit is complete before the watchdog exits). If anvil exits
/// first, so does the watchdog, and it leaves the error file for [`AnvilNode`] to report; a
/// stop removes it first (anvil writes on into the unlinked file until it exits). The pipe is moved to descriptor 3 first: a background job's
/// standard input is /dev/null in `sh`.
///
/// anvil runs with `HOME` set to a directory of its own (`$2`), removed when it has exited:
/// anvil moves old block states to `$HOME/.foundry/anvil/tmp/` once a chain grows past a few
/// hundred blocks and leaves them there when it is stopped (several GB per long test chain:
/// a day of test runs filled this machine's disk with them).
const WATCHDOG: &str = r#"exec 3<&0 0</dev/null
log="$1"; home="$2"; anvil="$3"; shift 3
mkdir -p "$home"
HOME="$home" "$anvil" "$@" >/dev/null 2>"$log" 3<&- &
child=$!
( read -r _ <&3; rm -f "$log"; kill -TERM "$child" 2>/dev/null ) &
reader=$!
exec 3<&-
wait "$child"
kill "$reader" 2>/dev/null
rm -rf "$home"
"#;

/// The last lines of anvil's standard error kept in an error message.
const ERROR_LINES: usize = 12;

/// The anvil binary: `TEST_NEXUS_ANVIL` when set, else `contracts/node_modules/.bin/anvil`
/// (installed by `contracts/ci.sh` or `npm ci` in `contracts/`). A missing binary is an error
/// that says how to install it: chain tests fail, they are never skipped.
pub fn anvil_binary() -> Result<PathBuf, TestError> {
    let path = match std::env::var_os(ANVIL_VAR) {
        Some(path) => PathBuf::from(path),
        // This crate sits at crates/nexus-testkit, two levels below the repository root.
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts/node_modules/.bin/anvil"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "anvil not found at {}: run `bash contracts/ci.sh` (or `npm ci` in contracts/) once, \
             or point {ANVIL_VAR} at an anvil binary",
            path.display()
        )
        .into())
    }
}

/// A running anvil on `127.0.0.1:<port>`, stopped when dropped.
#[derive(Debug)]
pub struct AnvilNode {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    port: u16,
    arguments: Vec<String>,
    process: Option<Watched>,
}

/// The watchdog process and the write end of its standard input.
#[derive(Debug)]
struct Watched {
    watchdog: Child,
    /// Closing it tells the watchdog to stop anvil.
    lifeline: Option<ChildStdin>,
}

impl AnvilNode {
    /// Starts anvil with its defaults (chain id 31337, ten funded dev accounts from the
    /// well-known mnemonic, automine) plus `arguments`, on a free port, and waits until it
    /// answers.
    pub async fn start(arguments: &[&str]) -> Result<Self, TestError> {
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            match Self::start_on(port, arguments).await {
                Ok(node) => return Ok(node),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| "anvil did not start".into()))
    }

    /// [`AnvilNode::start`] on a given loopback port (fails if the port is taken).
    pub async fn start_on(port: u16, arguments: &[&str]) -> Result<Self, TestError> {
        let mut node = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            arguments: arguments
                .iter()
                .map(|argument| (*argument).to_owned())
                .collect(),
            process: None,
        };
        node.launch().await?;
        Ok(node)
    }

    /// The port anvil listens on (kept across [`AnvilNode::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the node is running (not [`AnvilNode::stop`]ped).
    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }

    /// Stops anvil as an operator would (SIGTERM) and waits until it has exited, so a
    /// `--dump-state`/`--state` file is complete. The node can be [`restart`](Self::restart)ed.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            drop(process.lifeline.take());
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match process.watchdog.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() > deadline => {
                        // Unreachable in practice; never leave a watchdog behind.
                        let _ = process.watchdog.kill();
                        let _ = process.watchdog.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }
    }

    /// Starts anvil again on the same port with the same arguments (with `--state FILE` among
    /// them, the chain continues where [`stop`](Self::stop) left it).
    pub async fn restart(&mut self) -> Result<(), TestError> {
        self.stop();
        self.launch().await
    }

    async fn launch(&mut self) -> Result<(), TestError> {
        let binary = anvil_binary()?;
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("nexus-anvil-watchdog")
            .arg(self.error_file())
            .arg(self.home_dir())
            .arg(&binary)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(&self.arguments)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("starting {} failed: {error}", binary.display()))?;
        let lifeline = watchdog.stdin.take();
        self.process = Some(Watched { watchdog, lifeline });
        match self.wait_until_ready(&binary).await {
            Ok(()) => Ok(()),
            Err(error) => {
                self.stop();
                Err(error)
            }
        }
    }

    /// Where the watchdog puts anvil's standard error (removed unless anvil exits by itself).
    fn error_file(&self) -> PathBuf {
        std::env::temp_dir().join(format!(
            "nexus-anvil-{}-{}.stderr",
            std::process::id(),
            self.port
        ))
    }

    /// anvil's own `HOME` (see [`WATCHDOG`]), removed by the watchdog when anvil has exited.
    fn home_dir(&self) -> PathBuf {
        std::env::temp_dir().join(format!(
            "nexus-anvil-{}-{}.home",
            std::process::id(),
            self.port
        ))
    }

    async fn wait_until_ready(&mut self, binary: &Path) -> Result<(), TestError> {
        let provider = nexus_chain::connect(&self.url, None)?;
        let started = Instant::now();
        loop {
            if provider.get_chain_id().await.is_ok() {
                return Ok(());
            }
            let exited = match self.process.as_mut() {
                Some(process) => process.watchdog.try_wait()?.is_some(),
                None => true,
            };
            if exited {
                let error_file = self.error_file();
                let output = std::fs::read_to_string(&error_file).unwrap_or_default();
                let _ = std::fs::remove_file(&error_file);
                let lines: Vec<&str> = output.lines().collect();
                return Err(format!(
                    "{} {} exited before answering on port {}; it said:\n{}",
                    binary.display(),
                    self.arguments.join(" "),
                    self.port,
                    lines[lines.len().saturating_sub(ERROR_LINES)..].join("\n")
                )
                .into());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "anvil did not answer on port {} within {START_TIMEOUT:?}",
                    self.port
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for AnvilNode {
    fn drop(&mut self) {
        self.stop();
    }
}
