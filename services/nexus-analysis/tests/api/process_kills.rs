//! The proof with real process kills: the real `nexus-analysis` binary and a private
//! `redis-server`; the service is killed with SIGKILL mid-job and restarted, and Redis is
//! restarted with its data wiped mid-run. Every analysis ends `completed`/`partial` or `failed`
//! with a reason, none is lost, none is announced twice, and no valid token is ever refused
//! with 401 while the restarted service waits for its keys.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use nexus_testkit::TestContext;
use tokio::process::{Child, Command};

use crate::helpers::{TempDir, USER_ID, free_port, serve_jwks, wait_until};

/// Jobs in the run (tiny samples, each unique).
const JOBS: usize = 1_000;
/// Analysis workers of the binary.
const WORKERS: i64 = 2;
/// Uploads in flight at once.
const CONCURRENCY: usize = 8;

/// A private `redis-server` without persistence, restartable with its data gone.
struct PrivateRedis {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    async fn start() -> Self {
        let mut redis = Self {
            port: free_port(),
            dir: TempDir::new(),
            child: None,
        };
        redis.spawn().await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server must be installed (/usr/bin/redis-server)");
        self.child = Some(child);
        let url = self.url();
        wait_until("the private Redis to answer", || {
            let url = url.clone();
            async move {
                let client = redis::Client::open(url).ok()?;
                let mut connection = client.get_multiplexed_async_connection().await.ok()?;
                redis::cmd("PING")
                    .query_async::<String>(&mut connection)
                    .await
                    .ok()
            }
        })
        .await;
    }

    /// Kills Redis, deletes whatever it kept, and starts it again on the same port.
    async fn restart_wiped(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
        for entry in std::fs::read_dir(&self.dir.0).unwrap() {
            let _ = std::fs::remove_file(entry.unwrap().path());
        }
        self.spawn().await;
    }
}

/// How the binary is configured (environment only, as in production).
struct Binary<'a> {
    ctx: &'a TestContext,
    redis_url: String,
    jwks_url: String,
    http_port: u16,
    store: &'a Path,
}

impl Binary<'_> {
    fn spawn(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_nexus-analysis"))
            .env("NEXUS_DATABASE__URL", &self.ctx.database.url)
            .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
            .env("NEXUS_REDIS__URL", &self.redis_url)
            .env("NEXUS_REDIS__KEY_PREFIX", &self.ctx.redis_prefix)
            .env(
                "NEXUS_SERVER__HTTP_ADDR",
                format!("127.0.0.1:{}", self.http_port),
            )
            .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
            .env("NEXUS_SERVER__WORKERS", "1")
            .env("NEXUS_TOKENS__JWKS_URL", &self.jwks_url)
            .env("NEXUS_POLICIES__AUTH_URL", "")
            .env("NEXUS_OUTBOX__POLL_INTERVAL", "200ms")
            .env("NEXUS_BUS__READ_BLOCK", "300ms")
            .env("NEXUS_BUS__HANDLER_TIMEOUT", "2s")
            .env("NEXUS_BUS__CLAIM_IDLE", "3s")
            .env("NEXUS_BUS__RECLAIM_INTERVAL", "200ms")
            .env("NEXUS_BUS__ERROR_BACKOFF", "100ms")
            .env("NEXUS_ANALYSIS__STORE_DIR", self.store)
            .env("NEXUS_ANALYSIS__WORKERS", WORKERS.to_string())
            .env("NEXUS_ANALYSIS__JOBS__RECONCILE_INTERVAL", "500ms")
            .env("NEXUS_ANALYSIS__JOBS__RECONCILE_AFTER", "5s")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }
}

/// A tiny sample, unique per index.
fn sample(index: usize) -> Vec<u8> {
    let mut bytes = format!("nexus kill-test sample {index:06} ").into_bytes();
    bytes.extend((0..64_u8).map(|byte| byte.wrapping_mul(index as u8 | 1)));
    bytes
}

/// Uploads `index`, retrying while the service is down or starting; returns its SHA-256.
/// Counts every 401 (a valid token must never get one).
async fn upload(
    http: &reqwest::Client,
    base_url: &str,
    token: &str,
    index: usize,
    unauthorized: &AtomicUsize,
) -> String {
    wait_until(&format!("upload {index} to be accepted"), || async {
        let response = http
            .post(format!("{base_url}/v1/files"))
            .bearer_auth(token)
            .body(sample(index))
            .send()
            .await
            .ok()?;
        match response.status().as_u16() {
            202 => {
                let body: serde_json::Value = response.json().await.ok()?;
                body["sha256"].as_str().map(str::to_owned)
            }
            401 => {
                unauthorized.fetch_add(1, Ordering::SeqCst);
                None
            }
            _ => None,
        }
    })
    .await
}

/// Reads a count with a query checked at compile time (`sql` is a literal); counts are never
/// NULL.
macro_rules! count {
    ($pool:expr, $sql:tt) => {
        sqlx::query_scalar!($sql)
            .fetch_one($pool)
            .await
            .unwrap()
            .unwrap()
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_jobs_survive_sigkill_and_a_wiped_redis_each_finished_once() {
    let ctx = TestContext::new().await.unwrap();
    let pool = ctx.database.pool.clone();
    let mut redis = PrivateRedis::start().await;
    let (jwks_url, jwks) = serve_jwks(ctx.tokens.jwks());
    let store = TempDir::new();
    let binary = Binary {
        ctx: &ctx,
        redis_url: redis.url(),
        jwks_url,
        http_port: free_port(),
        store: &store.0,
    };
    let base_url = format!("http://127.0.0.1:{}", binary.http_port);
    let token = ctx.access_token(USER_ID, &["user"]);
    let http = reqwest::Client::new();
    let unauthorized = Arc::new(AtomicUsize::new(0));
    let mut service = binary.spawn();

    let third = JOBS / 3;
    let mut shas = Vec::with_capacity(JOBS);
    for (phase, range) in [(0, 0..third), (1, third..2 * third), (2, 2 * third..JOBS)] {
        let uploaded: Vec<String> = futures_util::stream::iter(range)
            .map(|index| {
                let (http, base_url, token, unauthorized) =
                    (&http, &base_url, &token, Arc::clone(&unauthorized));
                async move { upload(http, base_url, token, index, &unauthorized).await }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        shas.extend(uploaded);
        match phase {
            0 => {
                // SIGKILL while a worker holds a job, then start again on the same port.
                wait_until("a job to be running", || async {
                    let running = count!(
                        &pool,
                        "SELECT count(*) FROM analysis.analyses WHERE status = 'running'"
                    );
                    (running > 0).then_some(())
                })
                .await;
                service.start_kill().unwrap();
                let _ = service.wait().await;
                service = binary.spawn();
            }
            1 => redis.restart_wiped().await,
            _ => {}
        }
    }

    let finished = wait_until("every analysis to finish", || async {
        let unfinished = count!(
            &pool,
            "SELECT count(*) FROM analysis.analyses WHERE status IN ('queued', 'running')"
        );
        (unfinished == 0).then_some(())
    });
    tokio::time::timeout(Duration::from_secs(240), finished)
        .await
        .expect("every analysis finishes within four minutes");

    let requeued = count!(
        &pool,
        "SELECT count(*) FROM analysis.outbox WHERE envelope->>'name' = 'AnalysisRequested'"
    );
    let failed = count!(
        &pool,
        "SELECT count(*) FROM analysis.analyses WHERE status = 'failed'"
    );
    let reruns = count!(
        &pool,
        "SELECT coalesce(sum(engine_runs - 1), 0)::bigint FROM analysis.analyses WHERE engine_runs > 1"
    );
    eprintln!(
        "{JOBS} jobs: {} job events ({} re-queued by reconciliation), {failed} failed, {reruns} engine re-runs",
        requeued,
        requeued - i64::try_from(JOBS).unwrap()
    );
    // None lost: every sample has an analysis, and every analysis finished.
    let distinct: std::collections::HashSet<&String> = shas.iter().collect();
    assert_eq!(distinct.len(), JOBS);
    let analysed = count!(
        &pool,
        "SELECT count(DISTINCT sha256) FROM analysis.analyses"
    );
    assert_eq!(analysed, i64::try_from(JOBS).unwrap());
    // Failed ones say why.
    let silent_failures = count!(
        &pool,
        "SELECT count(*) FROM analysis.analyses WHERE status = 'failed' \
         AND coalesce(error, '') = ''"
    );
    assert_eq!(silent_failures, 0);
    // None doubled: one analysis per sample (duplicates of retried uploads found the same
    // row), each announced exactly once.
    let analyses = count!(&pool, "SELECT count(*) FROM analysis.analyses");
    assert_eq!(analyses, i64::try_from(JOBS).unwrap());
    let announced_twice = count!(
        &pool,
        "SELECT count(*) FROM (SELECT envelope->'payload'->>'analysis_id' AS id \
         FROM analysis.outbox WHERE envelope->>'name' = 'AnalysisCompleted' \
         GROUP BY 1 HAVING count(*) > 1) AS doubled"
    );
    assert_eq!(announced_twice, 0);
    let announced = count!(
        &pool,
        "SELECT count(DISTINCT envelope->'payload'->>'analysis_id') FROM analysis.outbox \
         WHERE envelope->>'name' = 'AnalysisCompleted'"
    );
    assert_eq!(announced, analyses);
    // The engine ran once per analysis, except for the jobs the killed process held (one per
    // worker, batch size 1), which the restarted one redid.
    let rerun = count!(
        &pool,
        "SELECT count(*) FROM analysis.analyses WHERE engine_runs > 1"
    );
    assert!(
        rerun <= WORKERS,
        "{rerun} analyses ran the engine more than once"
    );
    let never_ran = count!(
        &pool,
        "SELECT count(*) FROM analysis.analyses WHERE engine_runs = 0 AND status <> 'failed'"
    );
    assert_eq!(never_ran, 0);
    // The restarted service answered 503 while it fetched its keys, never 401.
    assert_eq!(unauthorized.load(Ordering::SeqCst), 0);

    service.start_kill().unwrap();
    let _ = service.wait().await;
    jwks.stop(true).await;
}
