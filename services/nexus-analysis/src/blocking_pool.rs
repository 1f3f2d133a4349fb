//! A bounded pool of dedicated threads for CPU work under a time budget (the engine, YARA
//! scans), so hostile samples cannot pile up threads or memory.
//!
//! Why not `tokio::task::spawn_blocking` under `tokio::time::timeout`: when the timeout fires
//! the caller moves on, but the blocking task keeps running, and the next job starts another
//! one; a stream of slow samples grows tokio's blocking pool (up to 512 threads by default),
//! each holding its sample in memory.
//!
//! What this pool guarantees:
//! - **Bounded threads**: exactly `threads` threads exist, started once. Work never runs
//!   anywhere else, so at most `threads` pieces of work (and their memory) are alive at once,
//!   whether their callers still wait for them or not.
//! - **Bounded queue**: at most `queue` pieces of work wait for a thread; past that
//!   [`BlockingPool::run`] fails at once with [`PoolError::Busy`] (the job is retried later
//!   instead of piling up in memory).
//! - **Budgets cover the wait**: the budget starts when the work is submitted. Work whose
//!   budget ran out (or whose caller went away) before a thread picked it up is dropped
//!   without running.
//! - **Cancellation**: when the budget runs out, or the caller's future is dropped (e.g. the
//!   bus abandoned the handler), the work's [`CancelFlag`] is raised and the caller gets
//!   [`PoolError::TimedOut`] at once. Work that checks the flag (a retrohunt between samples)
//!   stops there. Work that cannot be interrupted (Rust cannot kill a thread) keeps its thread
//!   until it returns; it is counted in `overrunning`, and must bound itself: the engine's
//!   YARA scan has its own timeout set to the same budget and its other stages are linear in
//!   the size-capped sample, so an overrunning thread comes back soon after the budget. While
//!   it overruns, its thread is not available, so the pool shrinks instead of growing.
//! - **Panics** are caught per piece of work ([`PoolError::Panicked`]); the thread survives.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// Stack of each pool thread: generous, because deeply nested hostile structures are what
/// parsers meet, and a stack overflow aborts the process instead of unwinding.
const STACK_BYTES: usize = 16 * 1024 * 1024;

/// Why [`BlockingPool::run`] did not return the work's result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// Every thread is busy and the queue is full: try again later.
    #[error("the blocking pool is busy ({queue} pieces of work already wait for a thread)")]
    Busy {
        /// The queue's capacity.
        queue: usize,
    },
    /// The budget ran out before the work finished (or before it started).
    #[error("the work took longer than its {} ms budget", budget.as_millis())]
    TimedOut {
        /// The budget it was given.
        budget: Duration,
        /// False when no thread ever picked the work up (every thread was busy for the whole
        /// budget): the work did not run at all, so its input is not to blame.
        started: bool,
    },
    /// The work panicked.
    #[error("the work panicked: {0}")]
    Panicked(String),
    /// The pool's threads are gone (only at shutdown).
    #[error("the blocking pool is shut down")]
    Closed,
}

/// Raised when the work's caller gave up on it; long work checks it between steps.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// True once the caller's budget ran out or the caller went away.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counters of what the pool is doing right now.
#[derive(Debug, Default)]
struct Counters {
    /// Threads running work.
    busy: AtomicUsize,
    /// Work waiting for a thread.
    queued: AtomicUsize,
    /// Work still running whose caller already gave up (budget exceeded).
    overrunning: AtomicUsize,
}

/// A snapshot of the pool (for metrics and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Threads the pool owns (fixed).
    pub threads: usize,
    /// Threads running work.
    pub busy: usize,
    /// Work waiting for a thread.
    pub queued: usize,
    /// Work still running after its caller gave up on it.
    pub overrunning: usize,
}

/// Life of one piece of work, shared by its caller and the thread that runs it.
const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const RUNNING_ABANDONED: u8 = 2;
const DONE: u8 = 3;

type Work = Box<dyn FnOnce() + Send>;

/// A piece of work in the queue.
struct Task {
    deadline: Instant,
    state: Arc<AtomicU8>,
    work: Work,
}

/// The pool. Cheap to clone; the threads end when the last clone is dropped.
#[derive(Clone)]
pub struct BlockingPool {
    sender: SyncSender<Task>,
    threads: usize,
    queue: usize,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for BlockingPool {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("BlockingPool")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl BlockingPool {
    /// Starts `threads` threads (at least 1) named `<name>-<n>`, with room for `queue` waiting
    /// pieces of work.
    pub fn new(name: &str, threads: usize, queue: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = sync_channel::<Task>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let counters = Arc::new(Counters::default());
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            let counters = Arc::clone(&counters);
            std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .stack_size(STACK_BYTES)
                .spawn(move || serve(&receiver, &counters))?;
        }
        Ok(Self {
            sender,
            threads,
            queue,
            counters,
        })
    }

    /// What the pool is doing now.
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            threads: self.threads,
            busy: self.counters.busy.load(Ordering::Relaxed),
            queued: self.counters.queued.load(Ordering::Relaxed),
            overrunning: self.counters.overrunning.load(Ordering::Relaxed),
        }
    }

    /// Runs `work` on a pool thread and waits for it at most `budget` (counted from now, so
    /// queueing counts against it). `work` gets a [`CancelFlag`] raised when the caller stops
    /// waiting; see the module docs for what happens to work that ignores it.
    pub async fn run<T, F>(&self, budget: Duration, work: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&CancelFlag) -> T + Send + 'static,
    {
        let deadline = Instant::now() + budget;
        let cancel = CancelFlag::default();
        let state = Arc::new(AtomicU8::new(QUEUED));
        let (reply, answer) = oneshot::channel();
        let flag = cancel.clone();
        let task = Task {
            deadline,
            state: Arc::clone(&state),
            work: Box::new(move || {
                let result = catch_unwind(AssertUnwindSafe(|| work(&flag)))
                    .map_err(|panic| PoolError::Panicked(panic_message(panic.as_ref())));
                // The caller may be gone (budget exceeded); nobody is left to tell.
                let _ = reply.send(result);
            }),
        };
        self.counters.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = self.sender.try_send(task) {
            self.counters.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(match error {
                TrySendError::Full(_) => PoolError::Busy { queue: self.queue },
                TrySendError::Disconnected(_) => PoolError::Closed,
            });
        }
        // Dropping this future (the caller was cancelled) gives up on the work too.
        let mut give_up = GiveUp {
            cancel,
            state,
            counters: Arc::clone(&self.counters),
            armed: true,
        };
        match tokio::time::timeout_at(deadline.into(), answer).await {
            Ok(Ok(result)) => {
                give_up.armed = false;
                result
            }
            // The thread dropped the work unstarted: its deadline had passed.
            Ok(Err(_)) => Err(PoolError::TimedOut {
                budget,
                started: false,
            }),
            Err(_) => Err(PoolError::TimedOut {
                budget,
                started: give_up.state.load(Ordering::Acquire) != QUEUED,
            }),
        }
    }
}

/// When the waiting caller gives up (times out or is dropped): raises the cancel flag, and
/// counts the work as overrunning if a thread is still running it.
struct GiveUp {
    cancel: CancelFlag,
    state: Arc<AtomicU8>,
    counters: Arc<Counters>,
    armed: bool,
}

impl Drop for GiveUp {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        self.cancel.cancel();
        // Queued work is never started now.
        if self
            .state
            .compare_exchange(QUEUED, DONE, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
        // Counted before the state changes, so the thread's decrement can never come first.
        self.counters.overrunning.fetch_add(1, Ordering::Relaxed);
        if self
            .state
            .compare_exchange(
                RUNNING,
                RUNNING_ABANDONED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            self.counters.overrunning.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// One pool thread: takes work until every sender is gone.
fn serve(receiver: &Mutex<Receiver<Task>>, counters: &Counters) {
    loop {
        let task = {
            let receiver = receiver.lock().unwrap_or_else(PoisonError::into_inner);
            match receiver.recv() {
                Ok(task) => task,
                Err(_) => return,
            }
        };
        counters.queued.fetch_sub(1, Ordering::Relaxed);
        // Work nobody waits for any more is not started at all.
        let started = Instant::now() < task.deadline
            && task
                .state
                .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        if !started {
            continue;
        }
        counters.busy.fetch_add(1, Ordering::Relaxed);
        (task.work)();
        if task.state.swap(DONE, Ordering::AcqRel) == RUNNING_ABANDONED {
            counters.overrunning.fetch_sub(1, Ordering::Relaxed);
        }
        counters.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-text payload".to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn wait_for(pool: &BlockingPool, what: impl Fn(PoolStats) -> bool) {
        for _ in 0..500 {
            if what(pool.stats()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "the pool never reached the expected state: {:?}",
            pool.stats()
        );
    }

    #[tokio::test]
    async fn work_runs_and_returns_its_result() {
        let pool = BlockingPool::new("test-pool", 2, 2).unwrap();
        let answer = pool.run(Duration::from_secs(5), |_| 6 * 7).await;
        assert_eq!(answer, Ok(42));
        assert_eq!(pool.stats().busy, 0);
    }

    #[tokio::test]
    async fn a_panic_costs_the_work_not_the_thread() {
        let pool = BlockingPool::new("test-pool", 1, 1).unwrap();
        let panicked = pool
            .run(Duration::from_secs(5), |_| -> u8 {
                panic!("hostile input")
            })
            .await;
        assert_eq!(panicked, Err(PoolError::Panicked("hostile input".into())));
        assert_eq!(pool.run(Duration::from_secs(5), |_| 1).await, Ok(1));
    }

    #[tokio::test]
    async fn work_over_budget_is_cancelled_and_its_thread_comes_back() {
        let pool = BlockingPool::new("test-pool", 1, 1).unwrap();
        let timed_out = pool
            .run(Duration::from_millis(50), |cancel| {
                while !cancel.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                "stopped"
            })
            .await;
        assert_eq!(
            timed_out,
            Err(PoolError::TimedOut {
                budget: Duration::from_millis(50),
                started: true,
            })
        );
        wait_for(&pool, |stats| stats.busy == 0 && stats.overrunning == 0);
        assert_eq!(pool.run(Duration::from_secs(5), |_| 2).await, Ok(2));
    }

    #[tokio::test]
    async fn uncooperative_work_holds_its_thread_and_the_pool_refuses_more_instead_of_growing() {
        let pool = BlockingPool::new("test-pool", 1, 1).unwrap();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let stuck = pool
            .run(Duration::from_millis(20), move |_| {
                let _ = released.recv();
            })
            .await;
        assert!(matches!(stuck, Err(PoolError::TimedOut { .. })));
        assert_eq!(pool.stats().overrunning, 1);
        // The only thread is still busy: the next piece waits in the queue and times out
        // without ever running; with the queue full, more work is refused at once.
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let queued = pool.run(Duration::from_millis(200), move |_| {
            flag.store(true, Ordering::SeqCst);
        });
        let refused = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            pool.run(Duration::from_secs(1), |_| ()).await
        };
        let (queued, refused) = tokio::join!(queued, refused);
        assert!(
            matches!(queued, Err(PoolError::TimedOut { started: false, .. })),
            "work that waited its whole budget for a thread says it never started: {queued:?}"
        );
        assert_eq!(refused, Err(PoolError::Busy { queue: 1 }));
        release.send(()).unwrap();
        wait_for(&pool, |stats| {
            stats.busy == 0 && stats.overrunning == 0 && stats.queued == 0
        });
        assert!(!ran.load(Ordering::SeqCst), "expired work must not start");
        assert_eq!(pool.stats().threads, 1);
    }
}
