//! A local anvil for the relayer's tests, stoppable and restartable on the same port with its
//! state (`--state`: loaded at start, written at a clean exit), so a test can take the chain
//! away and give it back with nothing lost. Killed when dropped.
//!
//! The shared nexus-testkit chain fixture (feature `chain`) had not landed when these tests
//! were written; this node differs from it in what the relayer's fault tests need (a restart on
//! the same port with the same state).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider};
use tokio::process::{Child, Command};

/// anvil's first development account (unlocked; deploys the test contracts).
pub const DEPLOYER: Address =
    alloy::primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

pub struct Anvil {
    child: Option<Child>,
    port: u16,
    state: PathBuf,
    pub url: String,
}

impl Anvil {
    fn binary() -> PathBuf {
        if let Ok(path) = std::env::var("TEST_NEXUS_ANVIL") {
            return PathBuf::from(path);
        }
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../contracts/node_modules/.bin/anvil");
        assert!(
            path.exists(),
            "anvil not found at {}: run contracts/ci.sh (or `npm ci` in contracts/) first",
            path.display()
        );
        path
    }

    /// A fresh chain on a free loopback port.
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let state = std::env::temp_dir().join(format!(
            "nexus-relayer-anvil-{}.json",
            uuid::Uuid::now_v7().simple()
        ));
        let mut node = Self {
            child: None,
            port,
            state,
            url: format!("http://127.0.0.1:{port}"),
        };
        node.resume().await;
        node
    }

    /// Starts the node again (same port, same state) after [`Anvil::stop`].
    pub async fn resume(&mut self) {
        let child = Command::new(Self::binary())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--accounts", "2", "--quiet"])
            .arg("--state")
            .arg(&self.state)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn anvil");
        self.child = Some(child);
        let provider = self.provider();
        let started = Instant::now();
        while provider.get_chain_id().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "anvil did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the node cleanly (SIGTERM: it writes its state and exits); the port refuses
    /// connections until [`Anvil::resume`].
    pub async fn stop(&mut self) {
        let mut child = self.child.take().expect("anvil is running");
        let pid = child.id().expect("anvil has a pid");
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("anvil exits on SIGTERM")
            .unwrap();
    }

    /// An unsigned provider (anvil signs for its unlocked accounts).
    pub fn provider(&self) -> DynProvider {
        nexus_chain::connect(&self.url, None).unwrap()
    }

    /// Gives `account` 1,000 ETH.
    pub async fn fund(&self, account: Address) {
        let wei = U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64));
        let () = self
            .provider()
            .raw_request("anvil_setBalance".into(), (account, wei))
            .await
            .unwrap();
    }

    /// Turns mining of each transaction as it arrives on or off.
    pub async fn set_automine(&self, enabled: bool) {
        let () = self
            .provider()
            .raw_request("evm_setAutomine".into(), (enabled,))
            .await
            .unwrap();
    }

    /// Mines one block.
    pub async fn mine(&self) {
        let _: String = self
            .provider()
            .raw_request("evm_mine".into(), ())
            .await
            .unwrap();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_file(&self.state);
    }
}
