//! Supervising named background workers.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What a worker returns: `Ok` when it stopped because it was asked to.
pub type WorkerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A background worker not yet started: given a token that is cancelled at shutdown, it runs
/// until then.
pub(crate) type WorkerStart =
    Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, WorkerResult> + Send>;

/// The background workers a service registers in [`Service::workers`](crate::Service::workers).
///
/// Nothing runs while they are registered: the runtime starts them once the listeners are
/// bound, hands each a child of the shutdown token and reports how each ended at shutdown.
#[derive(Default)]
pub struct Workers {
    pub(crate) registered: Vec<(String, WorkerStart)>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.registered.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Workers {
    /// Registers a named worker. It must return soon after its token is cancelled; one that
    /// ends before shutdown turns `/ready` red.
    pub fn add<F, Fut>(&mut self, name: &str, run: F)
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = WorkerResult> + Send + 'static,
    {
        self.registered
            .push((name.to_owned(), Box::new(move |token| run(token).boxed())));
    }

    /// The registered workers' names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.registered.iter().map(|(name, _)| name.as_str())
    }
}

/// The body of a polling worker: runs `pass` until `shutdown` is cancelled, at once again after
/// a pass that handled something (a backlog drains without pauses), after `idle` when a pass
/// handled nothing or failed (a failure is logged as "`what` failed; retrying.").
pub async fn run_passes<F, Fut, E>(
    shutdown: CancellationToken,
    idle: Duration,
    what: &str,
    mut pass: F,
) -> WorkerResult
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, E>>,
    E: std::fmt::Display,
{
    loop {
        let handled = match pass().await {
            Ok(handled) => handled,
            Err(error) => {
                tracing::warn!(%error, "{what} failed; retrying.");
                0
            }
        };
        if handled == 0 {
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = tokio::time::sleep(idle) => {}
            }
        } else if shutdown.is_cancelled() {
            return Ok(());
        }
    }
}

/// How a worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerOutcome {
    /// Returned `Ok` (normally: after the shutdown token was cancelled).
    Completed,
    /// Returned an error.
    Failed(String),
    /// Panicked.
    Panicked(String),
    /// Still running at the shutdown deadline; it was aborted.
    TimedOut,
}

/// One line of the shutdown report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerReport {
    /// The worker's name.
    pub name: String,
    /// How it ended.
    pub outcome: WorkerOutcome,
}

/// Workers that ended on their own before shutdown, read by the `workers` readiness check.
pub(crate) type FailedWorkers = Arc<Mutex<Vec<String>>>;

/// Owns the worker tasks and the token that stops them.
pub(crate) struct Supervisor {
    shutdown: CancellationToken,
    tasks: Vec<(String, JoinHandle<WorkerOutcome>)>,
    failed: FailedWorkers,
}

impl Supervisor {
    pub(crate) fn new() -> Self {
        Self {
            shutdown: CancellationToken::new(),
            tasks: Vec::new(),
            failed: FailedWorkers::default(),
        }
    }

    pub(crate) fn failed_workers(&self) -> FailedWorkers {
        self.failed.clone()
    }

    /// Spawns `start` with a child of the shutdown token. A worker that ends before shutdown
    /// is logged and recorded, which turns `/ready` red so an orchestrator restarts the process.
    pub(crate) fn spawn(&mut self, name: String, start: WorkerStart) {
        let token = self.shutdown.child_token();
        let shutdown = self.shutdown.clone();
        let failed = self.failed.clone();
        let worker_name = name.clone();
        let task = tokio::spawn(async move {
            let outcome = match std::panic::AssertUnwindSafe(start(token))
                .catch_unwind()
                .await
            {
                Ok(Ok(())) => WorkerOutcome::Completed,
                Ok(Err(error)) => WorkerOutcome::Failed(nexus_http::error::cause_chain(&*error)),
                Err(panic) => WorkerOutcome::Panicked(panic_message(panic.as_ref())),
            };
            if !shutdown.is_cancelled() {
                tracing::error!(worker = %worker_name, outcome = ?outcome, "A background worker stopped on its own.");
                failed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(worker_name);
            }
            outcome
        });
        tracing::info!(worker = %name, "Started background worker.");
        self.tasks.push((name, task));
    }

    /// Cancels every worker and waits for them until `deadline`; late ones are aborted.
    pub(crate) async fn stop(self, deadline: Duration) -> Vec<WorkerReport> {
        self.shutdown.cancel();
        let until = tokio::time::Instant::now() + deadline;
        let mut reports = Vec::with_capacity(self.tasks.len());
        for (name, mut task) in self.tasks {
            let outcome = match tokio::time::timeout_at(until, &mut task).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(join_error)) => WorkerOutcome::Panicked(join_error.to_string()),
                Err(_) => {
                    task.abort();
                    WorkerOutcome::TimedOut
                }
            };
            reports.push(WorkerReport { name, outcome });
        }
        reports
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_owned())
}
