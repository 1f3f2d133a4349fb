//! `nexus engine` processes for end-to-end tests: the real `nexus` binary (built once per test
//! process into the same target directory, as `cargo` would), set up with `nexus engine init`
//! and run with its config, its stderr kept in a log file the failure messages quote.

// Each test binary uses the part of the helpers it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use serde_json::Value;
use tokio::process::{Child, Command};

/// The keystore password every test engine uses (from the environment, as in production).
pub const PASSWORD: &str = "engine test password";

/// The `nexus` binary: `cargo build -p nexus-cli --bin nexus` into this test's target directory
/// (the executable sits in `<target>/<profile>/deps/`), once per process. A test crate cannot
/// name another crate's binary (`CARGO_BIN_EXE_*` is only set for the crate's own).
pub fn nexus_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
            let target_dir = profile_dir.parent().unwrap();
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "-p", "nexus-cli", "--bin", "nexus"])
                .env("CARGO_TARGET_DIR", target_dir)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .unwrap();
            assert!(status.success(), "cargo build -p nexus-cli failed");
            profile_dir.join("nexus")
        })
        .clone()
}

/// `nexus engine init` into `dir`, importing `private_key` (hex) so the test's linked and
/// funded wallet is the engine's; returns its JSON summary (`config`, `address`,
/// `ws_public_key`, ...).
pub fn init(dir: &Path, gateway_url: &str, private_key: &str) -> Value {
    let output = std::process::Command::new(nexus_binary())
        .args(["engine", "init", "--dir"])
        .arg(dir)
        .args([
            "--gateway-url",
            gateway_url,
            "--import-key-env",
            "TEST_ENGINE_KEY",
        ])
        .env("NEXUS_ENGINE_KEYSTORE_PASSWORD", PASSWORD)
        .env("TEST_ENGINE_KEY", private_key)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "nexus engine init: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `nexus engine sign-ws-registration`: the engine key's signature of the user service's
/// registration message.
pub fn sign_ws_registration(config: &Path, user_id: &str, challenge: &str) -> Value {
    let output = std::process::Command::new(nexus_binary())
        .args(["engine", "sign-ws-registration", "--config"])
        .arg(config)
        .args(["--user-id", user_id, "--challenge", challenge])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "sign-ws-registration: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A running `nexus engine run`.
pub struct EngineProcess {
    pub child: Child,
    pub log: PathBuf,
}

/// Starts `nexus engine run --config <config>` with the API key and password in its
/// environment; stderr goes to `<config dir>/engine.log` (appended, so a restart keeps the
/// earlier lines).
pub fn spawn(config: &Path, api_key: &str) -> EngineProcess {
    let log = config.with_file_name("engine.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .unwrap();
    let child = Command::new(nexus_binary())
        .args(["engine", "run", "--config"])
        .arg(config)
        .env("NEXUS_ENGINE_API_KEY", api_key)
        .env("NEXUS_ENGINE_KEYSTORE_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(file))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    EngineProcess { child, log }
}

impl EngineProcess {
    /// The engine's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, and waits for the process to be gone.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }
}

/// Sets `key = value` in `[table]` of the TOML at `path` (a test's policy edits; the file is
/// parsed and written back, so the result is what `toml` reads).
pub fn set(path: &Path, table: &str, key: &str, value: toml_value::Value) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut document: toml_value::Table = text.parse().unwrap();
    let section = document
        .entry(table.to_owned())
        .or_insert_with(|| toml_value::Value::Table(toml_value::Table::new()));
    section
        .as_table_mut()
        .unwrap()
        .insert(key.to_owned(), value);
    std::fs::write(path, toml_value::to_string(&document).unwrap()).unwrap();
}

/// The toml crate, under a name that says what it is used for here.
pub use toml as toml_value;

/// The state file's entry of `bounty` (`phase`, `salt`, ...), or null.
pub fn state_entry(state_file: &Path, bounty: &str) -> Value {
    std::fs::read_to_string(state_file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .map(|state| state["bounties"][bounty].clone())
        .unwrap_or(Value::Null)
}
