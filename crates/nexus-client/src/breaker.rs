//! The per-client circuit breaker.
//!
//! States: **closed** (calls go through; consecutive failed attempts are counted and a success
//! resets the count) → **open** after `breaker_failure_threshold` consecutive failures (calls fail
//! at once with [`ClientError::CircuitOpen`](crate::ClientError::CircuitOpen), without touching
//! the network) → **half-open** once `breaker_open_duration` has passed: exactly one trial call
//! goes through while others are still refused; its success closes the circuit, its failure opens
//! it again for another full duration. A trial that is dropped before it finishes (the caller was
//! cancelled) frees the slot for the next caller.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The externally visible state of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the open duration has passed.
    Open,
    /// One trial call is allowed (or in flight) to probe the service.
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { consecutive_failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_in_flight: bool },
}

/// A refused call: the circuit is open (or a half-open trial is already in flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long until a trial may go through (zero while a trial is in flight).
    pub retry_after: Duration,
}

/// A consecutive-failure circuit breaker. [`ServiceClient`](crate::ServiceClient) holds one per
/// client; it is public so the gateway's streaming proxy keeps one per upstream with the same
/// semantics.
#[derive(Debug)]
pub struct CircuitBreaker {
    state: Mutex<State>,
    failure_threshold: u32,
    open_duration: Duration,
}

/// The right to make one attempt. Report its outcome with [`Permit::succeeded`] or
/// [`Permit::failed`]; dropping it unreported releases a half-open trial slot.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    is_trial: bool,
    reported: bool,
}

impl CircuitBreaker {
    /// Closed; opens after `failure_threshold` consecutive failures for `open_duration`.
    pub fn new(failure_threshold: u32, open_duration: Duration) -> Self {
        Self {
            state: Mutex::new(State::Closed {
                consecutive_failures: 0,
            }),
            failure_threshold: failure_threshold.max(1),
            open_duration,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain value that is always consistent, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current state.
    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { until } if Instant::now() < until => CircuitState::Open,
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// The right to make one attempt, or how long to wait.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Refused> {
        self.try_acquire_at(Instant::now())
    }

    fn try_acquire_at(&self, now: Instant) -> Result<Permit<'_>, Refused> {
        let mut state = self.lock();
        let is_trial = match *state {
            State::Closed { .. } => false,
            State::Open { until } if now < until => {
                return Err(Refused {
                    retry_after: until - now,
                });
            }
            State::Open { .. }
            | State::HalfOpen {
                trial_in_flight: false,
            } => {
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                true
            }
            State::HalfOpen {
                trial_in_flight: true,
            } => {
                return Err(Refused {
                    retry_after: Duration::ZERO,
                });
            }
        };
        Ok(Permit {
            breaker: self,
            is_trial,
            reported: false,
        })
    }

    fn on_success(&self) {
        *self.lock() = State::Closed {
            consecutive_failures: 0,
        };
    }

    fn on_failure(&self, now: Instant) {
        let mut state = self.lock();
        *state = match *state {
            State::Closed {
                consecutive_failures,
            } if consecutive_failures + 1 < self.failure_threshold => State::Closed {
                consecutive_failures: consecutive_failures + 1,
            },
            // Threshold reached, or a trial (or a late attempt begun before opening) failed.
            _ => State::Open {
                until: now + self.open_duration,
            },
        };
    }

    fn on_abandoned_trial(&self) {
        let mut state = self.lock();
        if let State::HalfOpen {
            trial_in_flight: true,
        } = *state
        {
            *state = State::HalfOpen {
                trial_in_flight: false,
            };
        }
    }
}

impl Permit<'_> {
    /// The attempt succeeded (or failed in a way that says nothing about the service's health).
    pub fn succeeded(mut self) {
        self.reported = true;
        self.breaker.on_success();
    }

    /// The attempt failed: transport error, timeout or an unavailable status.
    pub fn failed(mut self) {
        self.reported = true;
        self.breaker.on_failure(Instant::now());
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.is_trial && !self.reported {
            self.breaker.on_abandoned_trial();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const OPEN_FOR: Duration = Duration::from_secs(30);

    fn fail_times(breaker: &CircuitBreaker, times: u32) {
        for _ in 0..times {
            breaker.try_acquire().unwrap().failed();
        }
    }

    #[tokio::test]
    async fn opens_after_threshold_consecutive_failures_only() {
        let breaker = CircuitBreaker::new(3, OPEN_FOR);
        fail_times(&breaker, 2);
        breaker.try_acquire().unwrap().succeeded();
        fail_times(&breaker, 2);
        assert_eq!(
            breaker.state(),
            CircuitState::Closed,
            "a success resets the count"
        );
        fail_times(&breaker, 1);
        assert_eq!(breaker.state(), CircuitState::Open);
        let refused = breaker.try_acquire().unwrap_err();
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= OPEN_FOR);
    }

    #[tokio::test]
    async fn half_open_lets_exactly_one_trial_through_and_success_closes() {
        let breaker = CircuitBreaker::new(1, OPEN_FOR);
        fail_times(&breaker, 1);
        let later = Instant::now() + OPEN_FOR;
        let trial = breaker.try_acquire_at(later).unwrap();
        assert!(
            breaker.try_acquire_at(later).is_err(),
            "only one trial at a time"
        );
        trial.succeeded();
        assert_eq!(breaker.state(), CircuitState::Closed);
        assert!(breaker.try_acquire().is_ok());
    }

    #[tokio::test]
    async fn failed_trial_opens_again_for_a_full_duration() {
        let breaker = CircuitBreaker::new(1, OPEN_FOR);
        fail_times(&breaker, 1);
        breaker
            .try_acquire_at(Instant::now() + OPEN_FOR)
            .unwrap()
            .failed();
        assert_eq!(breaker.state(), CircuitState::Open);
    }

    #[tokio::test]
    async fn dropped_trial_frees_the_slot() {
        let breaker = CircuitBreaker::new(1, OPEN_FOR);
        fail_times(&breaker, 1);
        let later = Instant::now() + OPEN_FOR;
        drop(breaker.try_acquire_at(later).unwrap());
        assert!(breaker.try_acquire_at(later).is_ok());
    }
}
