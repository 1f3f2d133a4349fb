//! Stage isolation: `catch_unwind` around every stage and a wall-clock budget around parsers.
//!
//! goblin (like most binary parsers) has a history of fuzz-found panics, so a parser panic must cost
//! one stage, not the report or the process. A parser stuck in a pathological loop cannot be
//! interrupted safely in Rust, so parsers run on a worker thread and the pipeline stops waiting when
//! the budget runs out; the abandoned thread finishes (or not) on its own and its result is dropped.
//!
//! Abandoned threads must not pile up: a stream of hostile samples, each leaving one parser
//! spinning, would otherwise grow threads and memory without end. At most
//! [`MAX_LIVE_STAGE_THREADS`] parser threads live in the process at once; past that a stage is
//! not started and fails with a reason naming the cause, until earlier threads end.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::error::EngineError;

/// Stack size for parser worker threads: generous, because deeply nested hostile structures are
/// exactly what they meet, and a stack overflow aborts the process rather than unwinding.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Most parser threads alive in the process at once, abandoned ones included. Callers run a
/// bounded number of analyses at a time (one stage thread each), so the rest of the room is for
/// threads abandoned by their budgets.
pub const MAX_LIVE_STAGE_THREADS: usize = 32;

/// Parser threads alive now.
static LIVE_STAGE_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Parser threads alive in the process now (abandoned ones included).
pub fn live_stage_threads() -> usize {
    LIVE_STAGE_THREADS.load(Ordering::Acquire)
}

/// Holds one place among the live parser threads; gives it back when the thread ends, however.
struct StageThreadPlace;

impl StageThreadPlace {
    fn take() -> Option<Self> {
        LIVE_STAGE_THREADS
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |live| {
                (live < MAX_LIVE_STAGE_THREADS).then_some(live + 1)
            })
            .ok()
            .map(|_| Self)
    }
}

impl Drop for StageThreadPlace {
    fn drop(&mut self) {
        LIVE_STAGE_THREADS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `work`, turning a panic into [`EngineError::Panicked`].
pub fn contain<T>(
    stage: &'static str,
    work: impl FnOnce() -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => Err(EngineError::Panicked {
            stage,
            message: panic_message(payload.as_ref()),
        }),
    }
}

/// Runs `work` on a worker thread behind [`contain`] and waits at most `budget` for it. Fails
/// without starting it when [`MAX_LIVE_STAGE_THREADS`] parser threads are alive already.
pub fn with_budget<T: Send + 'static>(
    stage: &'static str,
    budget: Duration,
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    let Some(place) = StageThreadPlace::take() else {
        return Err(EngineError::ParseFailed {
            format: stage,
            detail: format!(
                "not started: {MAX_LIVE_STAGE_THREADS} parser threads are still running, most of \
                 them abandoned by earlier time budgets; retry once they end"
            ),
        });
    };
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(format!("nexus-engine-{stage}"))
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || {
            let _place = place;
            // The receiver may be gone after a timeout; nobody is left to tell.
            let _ = sender.send(contain(stage, work));
        });
    if let Err(spawn_error) = spawned {
        return Err(EngineError::ParseFailed {
            format: stage,
            detail: format!("cannot start a worker thread: {spawn_error}"),
        });
    }
    match receiver.recv_timeout(budget) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(EngineError::Timeout {
            stage,
            budget_ms: u64::try_from(budget.as_millis()).unwrap_or(u64::MAX),
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(EngineError::Panicked {
            stage,
            message: "worker thread ended without a result".to_owned(),
        }),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn a_panicking_stage_becomes_an_error() {
        let result: Result<(), _> = contain("pe", || panic!("boom"));
        assert!(
            matches!(result, Err(EngineError::Panicked { stage: "pe", ref message }) if message == "boom")
        );
    }

    #[test]
    fn abandoned_stage_threads_are_capped_and_their_places_come_back() {
        // Fill every place with threads that outlive their 1 ms budget.
        let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut abandoned = 0;
        while live_stage_threads() < MAX_LIVE_STAGE_THREADS {
            let released = released.clone();
            let result = with_budget("pe", Duration::from_millis(1), move || {
                while !released.load(Ordering::Acquire) {
                    thread::sleep(Duration::from_millis(5));
                }
                Ok(())
            });
            assert!(matches!(result, Err(EngineError::Timeout { .. })));
            abandoned += 1;
            assert!(
                abandoned <= MAX_LIVE_STAGE_THREADS,
                "the cap was not applied"
            );
        }
        let refused = with_budget("elf", Duration::from_secs(5), || Ok(1));
        assert!(
            matches!(&refused, Err(EngineError::ParseFailed { format: "elf", detail }) if detail.starts_with("not started")),
            "{refused:?}"
        );
        // Let the abandoned threads end; their places come back and a stage runs again.
        released.store(true, Ordering::Release);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(1) = with_budget("elf", Duration::from_secs(5), || Ok(1)) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "places never came back"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_slow_stage_times_out() {
        let result = with_budget("elf", Duration::from_millis(20), || {
            thread::sleep(Duration::from_millis(500));
            Ok(1)
        });
        assert!(matches!(
            result,
            Err(EngineError::Timeout {
                stage: "elf",
                budget_ms: 20
            })
        ));
    }

    #[test]
    fn a_fast_stage_returns_its_value() {
        let result = with_budget("macho", Duration::from_secs(5), || Ok(7));
        assert_eq!(result.ok(), Some(7));
    }
}
