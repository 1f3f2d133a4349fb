//! Staged files and crashes, with real processes: the `nexus-analysis` binary is killed with
//! SIGKILL in the middle of an upload and started again at once on the same store (as
//! Kubernetes restarts a container on its surviving `emptyDir`): the half upload is gone when
//! the new process is up. And a second instance sharing the staging directory starts (and
//! sweeps) while the first streams an upload: the upload is untouched and completes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nexus_analysis::AnalysisService;
use nexus_analysis::sample_store::clean_staging;
use nexus_testkit::TestContext;
use sha2::Digest;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::helpers::{TempDir, USER_ID, free_port, serve_jwks, settings, wait_until};

/// The real binary on `store`, this test's database and Redis, without analysis workers (only
/// uploads matter here); returns the process and its base URL once `/ready` answers 200.
async fn spawn_binary(ctx: &TestContext, jwks_url: &str, store: &Path) -> (Child, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_nexus-analysis"))
        .env("NEXUS_DATABASE__URL", &ctx.database.url)
        .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
        .env("NEXUS_REDIS__URL", &ctx.redis_url)
        .env("NEXUS_REDIS__KEY_PREFIX", &ctx.redis_prefix)
        .env("NEXUS_SERVER__HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__WORKERS", "1")
        .env("NEXUS_TOKENS__JWKS_URL", jwks_url)
        .env("NEXUS_POLICIES__AUTH_URL", "")
        .env("NEXUS_ANALYSIS__STORE_DIR", store)
        .env("NEXUS_ANALYSIS__WORKERS", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_until("the binary to be ready", || async {
        let response = http.get(format!("{base_url}/ready")).send().await.ok()?;
        (response.status().as_u16() == 200).then_some(())
    })
    .await;
    (child, base_url)
}

/// An upload whose body the test sends chunk by chunk: it stays in flight (its staged file
/// open) until the test sends the rest or drops the sender.
struct PausedUpload {
    chunks: mpsc::Sender<Vec<u8>>,
    response: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
}

impl PausedUpload {
    fn start(base_url: &str, token: &str) -> Self {
        let (chunks, receiver) = mpsc::channel::<Vec<u8>>(4);
        let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let chunk = receiver.recv().await?;
            Some((Ok::<_, std::io::Error>(chunk), receiver))
        });
        let request = reqwest::Client::new()
            .post(format!("{base_url}/v1/files"))
            .bearer_auth(token)
            .body(reqwest::Body::wrap_stream(body));
        Self {
            chunks,
            response: tokio::spawn(request.send()),
        }
    }

    async fn send(&self, chunk: &[u8]) {
        self.chunks.send(chunk.to_vec()).await.unwrap();
    }
}

/// Regular files in the staging directory whose name starts with `prefix`.
fn staged(store: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(store.join("tmp"))
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.starts_with(prefix))
        })
        .map(|entry| entry.path())
        .collect();
    files.sort();
    files
}

/// Waits until exactly one staged upload exists and returns it.
async fn the_staged_upload(store: &Path) -> PathBuf {
    wait_until("the upload to be staged", || async {
        let uploads = staged(store, "upload-");
        (uploads.len() == 1).then(|| uploads[0].clone())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_leaves_no_staged_upload_after_a_restart_and_a_live_upload_is_kept() {
    let ctx = TestContext::new().await.unwrap();
    let (jwks_url, jwks) = serve_jwks(ctx.tokens.jwks());
    let store = TempDir::new();
    let token = ctx.access_token(USER_ID, &["user"]);
    let chunk = vec![0x5a_u8; 64 * 1024];

    // 1. SIGKILL mid-upload: the half upload stays in the staging directory.
    let (mut first, base_url) = spawn_binary(&ctx, &jwks_url, &store.0).await;
    let upload = PausedUpload::start(&base_url, &token);
    upload.send(&chunk).await;
    let half_upload = the_staged_upload(&store.0).await;
    first.start_kill().unwrap();
    let _ = first.wait().await;
    drop(upload);
    assert!(
        half_upload.exists(),
        "the killed process left its staged upload"
    );

    // 2. Started again at once, on the same directory: the leftover (seconds old, so kept by
    //    an age rule) is gone by the time the service answers.
    let (second, base_url) = spawn_binary(&ctx, &jwks_url, &store.0).await;
    assert!(
        !half_upload.exists(),
        "the restarted service deleted the killed process's staged upload"
    );
    assert_eq!(staged(&store.0, "").len(), 0, "{:?}", staged(&store.0, ""));

    // 3. Another instance starts on the shared directory while the second process streams an
    //    upload: its start-up sweep, and a sweep that counts every file as idle, leave the
    //    upload alone; it completes and is stored.
    let upload = PausedUpload::start(&base_url, &token);
    upload.send(&chunk).await;
    let in_flight = the_staged_upload(&store.0).await;
    let peer = ctx
        .spawn_with::<AnalysisService>(settings(&ctx, &store))
        .await
        .unwrap();
    assert!(
        in_flight.exists(),
        "a peer's start-up deleted an upload in flight"
    );
    let swept = clean_staging(&store.0.join("tmp"), Duration::ZERO).unwrap();
    assert_eq!(swept, 0);
    assert!(in_flight.exists(), "a sweep deleted an upload in flight");
    upload.send(&chunk).await;
    let PausedUpload { chunks, response } = upload;
    drop(chunks);
    let response = response.await.unwrap().unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let accepted: serde_json::Value = response.json().await.unwrap();
    let mut whole = chunk.clone();
    whole.extend_from_slice(&chunk);
    let sha256 = hex_sha256(&whole);
    assert_eq!(accepted["sha256"].as_str(), Some(sha256.as_str()));
    let stored = store
        .0
        .join(&sha256[0..2])
        .join(&sha256[2..4])
        .join(&sha256);
    assert_eq!(std::fs::read(stored).unwrap(), whole);
    assert!(staged(&store.0, "").is_empty());

    drop(peer);
    drop(second);
    jwks.stop(true).await;
}

fn hex_sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
