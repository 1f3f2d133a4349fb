//! Per-account brute-force defence, after kanidm's soft lock: a few free failures, then a
//! delay that doubles with each failure, then a lock whose length doubles with each lock;
//! everything is forgotten after a quiet period or a successful sign-in.
//!
//! The state is keyed by login name (whether or not an account has it, so lock answers do not
//! reveal which names exist) and kept in Redis by [`crate::kv::throttle`]; this module only
//! decides.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::settings::LockoutSettings;

/// What is remembered about one login name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutState {
    /// Failures since the last success, lock or reset.
    pub failures: u32,
    /// Locks since the last success or reset (each doubles the next lock).
    pub locks: u32,
    /// When the last failure happened (Unix milliseconds).
    pub last_failure_ms: Option<i64>,
    /// Locked until then (Unix milliseconds).
    pub locked_until_ms: Option<i64>,
}

/// Whether a sign-in attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the password.
    Open,
    /// Too soon after the last failure; try again after the delay.
    Throttled {
        /// Time left.
        retry_after: Duration,
    },
    /// The name is locked.
    Locked {
        /// Time left.
        retry_after: Duration,
    },
}

/// What a failure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureOutcome {
    /// The state to store.
    pub state: LockoutState,
    /// The lock this failure started, if any (to audit).
    pub locked_for: Option<Duration>,
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn duration_between(from_ms: i64, to_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(to_ms.saturating_sub(from_ms)).unwrap_or(0))
}

fn as_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The state as it stands at `now`: forgotten after `reset_after` without a failure.
pub fn current(
    settings: &LockoutSettings,
    state: &LockoutState,
    now: DateTime<Utc>,
) -> LockoutState {
    match state.last_failure_ms {
        Some(last) if millis(now).saturating_sub(last) >= as_millis(settings.reset_after) => {
            LockoutState::default()
        }
        _ => state.clone(),
    }
}

/// The pause required after `failures` failures.
pub fn delay_after(settings: &LockoutSettings, failures: u32) -> Duration {
    if failures <= settings.free_failures {
        return Duration::ZERO;
    }
    let doublings = (failures - settings.free_failures - 1).min(30);
    settings
        .base_delay
        .saturating_mul(1 << doublings)
        .min(settings.max_delay)
}

/// The length of lock number `lock_number` (1 for the first).
pub fn lock_length(settings: &LockoutSettings, lock_number: u32) -> Duration {
    let doublings = lock_number.saturating_sub(1).min(30);
    settings
        .lock_duration
        .saturating_mul(1 << doublings)
        .min(settings.max_lock_duration)
}

/// Whether an attempt at `now` may check the password.
pub fn gate(settings: &LockoutSettings, state: &LockoutState, now: DateTime<Utc>) -> Gate {
    let state = current(settings, state, now);
    let now_ms = millis(now);
    if let Some(until) = state.locked_until_ms
        && until > now_ms
    {
        return Gate::Locked {
            retry_after: duration_between(now_ms, until),
        };
    }
    if let Some(last) = state.last_failure_ms {
        let allowed_at = last.saturating_add(as_millis(delay_after(settings, state.failures)));
        if allowed_at > now_ms {
            return Gate::Throttled {
                retry_after: duration_between(now_ms, allowed_at),
            };
        }
    }
    Gate::Open
}

/// Records a failed attempt at `now`.
pub fn record_failure(
    settings: &LockoutSettings,
    state: &LockoutState,
    now: DateTime<Utc>,
) -> FailureOutcome {
    let mut next = current(settings, state, now);
    next.failures += 1;
    next.last_failure_ms = Some(millis(now));
    let mut locked_for = None;
    if next.failures >= settings.lock_after {
        next.locks += 1;
        let length = lock_length(settings, next.locks);
        next.locked_until_ms = Some(millis(now).saturating_add(as_millis(length)));
        // The lock replaces the delay; after it, the free failures start again.
        next.failures = 0;
        locked_for = Some(length);
    }
    FailureOutcome {
        state: next,
        locked_for,
    }
}

/// How long the state must be kept: until it would be forgotten anyway.
pub fn retention(settings: &LockoutSettings, state: &LockoutState, now: DateTime<Utc>) -> Duration {
    let lock_left = state
        .locked_until_ms
        .map_or(Duration::ZERO, |until| duration_between(millis(now), until));
    settings.reset_after.max(lock_left)
}

/// Adds `duration` to `time` (saturating).
pub fn after(time: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    time + TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LockoutSettings {
        LockoutSettings {
            free_failures: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            lock_after: 8,
            lock_duration: Duration::from_secs(60),
            max_lock_duration: Duration::from_secs(240),
            reset_after: Duration::from_secs(3600),
        }
    }

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn delays_grow_per_failure_then_the_name_locks() {
        let settings = settings();
        // failures so far -> delay before the next attempt, lock started by this failure
        let table: [(u32, u64, Option<u64>); 8] = [
            (1, 0, None),
            (2, 0, None),
            (3, 0, None),
            (4, 1, None),
            (5, 2, None),
            (6, 4, None),
            (7, 8, None),
            (8, 0, Some(60)),
        ];
        let mut state = LockoutState::default();
        let mut now = start();
        for (failures, delay, lock) in table {
            assert_eq!(
                gate(&settings, &state, now),
                Gate::Open,
                "before failure {failures}"
            );
            let outcome = record_failure(&settings, &state, now);
            assert_eq!(
                outcome.locked_for,
                lock.map(Duration::from_secs),
                "failure {failures}"
            );
            state = outcome.state;
            if lock.is_none() {
                assert_eq!(delay_after(&settings, failures), Duration::from_secs(delay));
                if delay > 0 {
                    assert_eq!(
                        gate(&settings, &state, now),
                        Gate::Throttled {
                            retry_after: Duration::from_secs(delay)
                        }
                    );
                    let almost = after(now, Duration::from_secs(delay) - Duration::from_millis(1));
                    assert!(matches!(
                        gate(&settings, &state, almost),
                        Gate::Throttled { .. }
                    ));
                }
                now = after(now, Duration::from_secs(delay));
            }
        }
        assert_eq!(
            gate(&settings, &state, now),
            Gate::Locked {
                retry_after: Duration::from_secs(60)
            }
        );
        let unlocked_at = after(now, Duration::from_secs(60));
        assert_eq!(gate(&settings, &state, unlocked_at), Gate::Open);
    }

    #[test]
    fn each_lock_doubles_up_to_the_maximum() {
        let settings = settings();
        let lengths: Vec<u64> = (1..=5)
            .map(|n| lock_length(&settings, n).as_secs())
            .collect();
        assert_eq!(lengths, [60, 120, 240, 240, 240]);
        let mut state = LockoutState::default();
        let mut now = start();
        let mut locks = Vec::new();
        for _ in 0..3 {
            for _ in 0..settings.lock_after {
                now = after(now, Duration::from_secs(600));
                let outcome = record_failure(&settings, &state, now);
                if let Some(length) = outcome.locked_for {
                    locks.push(length.as_secs());
                }
                state = outcome.state;
            }
        }
        assert_eq!(locks, [60, 120, 240]);
    }

    #[test]
    fn a_quiet_period_forgets_everything() {
        let settings = settings();
        let mut state = LockoutState::default();
        for _ in 0..7 {
            state = record_failure(&settings, &state, start()).state;
        }
        assert!(matches!(
            gate(&settings, &state, start()),
            Gate::Throttled { .. }
        ));
        let later = after(start(), settings.reset_after);
        assert_eq!(current(&settings, &state, later), LockoutState::default());
        assert_eq!(gate(&settings, &state, later), Gate::Open);
    }
}
