//! Stage isolation: `catch_unwind` around every stage and a wall-clock budget around parsers.
//!
//! goblin (like most binary parsers) has a history of fuzz-found panics, so a parser panic must cost
//! one stage, not the report or the process. A parser stuck in a pathological loop cannot be
//! interrupted safely in Rust, so parsers run on a worker thread and the pipeline stops waiting when
//! the budget runs out; the abandoned thread finishes (or not) on its own and its result is dropped.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::error::EngineError;

/// Stack size for parser worker threads: generous, because deeply nested hostile structures are
/// exactly what they meet, and a stack overflow aborts the process rather than unwinding.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

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

/// Runs `work` on a worker thread behind [`contain`] and waits at most `budget` for it.
pub fn with_budget<T: Send + 'static>(
    stage: &'static str,
    budget: Duration,
    work: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(format!("nexus-engine-{stage}"))
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || {
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
