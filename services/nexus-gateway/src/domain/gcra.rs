//! The generic cell rate algorithm (GCRA), the same arithmetic as the Redis script in
//! `ratelimit.rs`, so the in-process fallback limiter behaves like the shared one.
//!
//! State per key is one number, the theoretical arrival time (TAT). With an emission interval
//! `T = period / requests` and a tolerance `τ = T × burst`, a request at `now` is allowed when
//! `max(TAT, now) + T − τ ≤ now`; it then moves TAT to `max(TAT, now) + T`. So `burst`
//! requests may arrive at once, and afterwards one per `T`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::settings::Quota;

/// A quota in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraParams {
    /// `T`: one request's share of the period.
    pub emission_interval_ms: u64,
    /// `τ`: how far ahead of `now` TAT may run.
    pub tolerance_ms: u64,
    /// Requests allowed at once (`burst`), reported as `RateLimit-Limit`.
    pub limit: u32,
}

impl From<Quota> for GcraParams {
    fn from(quota: Quota) -> Self {
        let period_ms = u64::try_from(quota.period.as_millis()).unwrap_or(u64::MAX);
        let emission_interval_ms = (period_ms / u64::from(quota.requests.max(1))).max(1);
        Self {
            emission_interval_ms,
            tolerance_ms: emission_interval_ms.saturating_mul(u64::from(quota.burst.max(1))),
            limit: quota.burst.max(1),
        }
    }
}

/// The decision for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcraOutcome {
    /// The request may go through.
    pub allowed: bool,
    /// Requests that could still go through right now.
    pub remaining: u32,
    /// Milliseconds until the key is back to its full burst.
    pub reset_after_ms: u64,
    /// Milliseconds until a refused request would be allowed (0 when allowed).
    pub retry_after_ms: u64,
    /// The TAT to store when allowed (unchanged when refused).
    pub new_tat_ms: u64,
}

/// Decides one request at `now_ms` for a key whose stored TAT is `tat_ms`.
pub fn decide(tat_ms: Option<u64>, now_ms: u64, params: GcraParams) -> GcraOutcome {
    let tat = tat_ms.unwrap_or(now_ms).max(now_ms);
    let new_tat = tat.saturating_add(params.emission_interval_ms);
    let allow_at = new_tat.saturating_sub(params.tolerance_ms);
    if allow_at > now_ms {
        return GcraOutcome {
            allowed: false,
            remaining: 0,
            reset_after_ms: tat - now_ms,
            retry_after_ms: allow_at - now_ms,
            new_tat_ms: tat,
        };
    }
    let used = new_tat - now_ms;
    let remaining = params.tolerance_ms.saturating_sub(used) / params.emission_interval_ms;
    GcraOutcome {
        allowed: true,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        reset_after_ms: used,
        retry_after_ms: 0,
        new_tat_ms: new_tat,
    }
}

/// Decides a request against several keys at once: allowed only if every key allows it, and
/// then every key is charged. The reported outcome is the tightest key's.
pub fn decide_all(outcomes: &[GcraOutcome]) -> Option<(usize, GcraOutcome)> {
    let refused = outcomes
        .iter()
        .enumerate()
        .filter(|(_, outcome)| !outcome.allowed)
        .max_by_key(|(_, outcome)| outcome.retry_after_ms);
    refused
        .or_else(|| {
            outcomes
                .iter()
                .enumerate()
                .min_by_key(|(_, outcome)| outcome.remaining)
        })
        .map(|(index, outcome)| (index, *outcome))
}

/// An in-process GCRA limiter: the fallback while Redis is unreachable. Each gateway instance
/// then limits on its own, so a client spread over `n` instances gets up to `n` times its quota
/// until Redis is back.
#[derive(Debug, Default)]
pub struct LocalLimiter {
    tats: Mutex<HashMap<String, u64>>,
}

/// Keys held before expired ones are swept.
const SWEEP_AT: usize = 100_000;

impl LocalLimiter {
    /// Decides and charges `keys` atomically (one lock), like the Redis script.
    pub fn check(
        &self,
        keys: &[(String, GcraParams)],
        now_ms: u64,
    ) -> Option<(usize, GcraOutcome)> {
        let mut tats = self.tats.lock().unwrap_or_else(PoisonError::into_inner);
        if tats.len() > SWEEP_AT {
            tats.retain(|_, tat| *tat > now_ms);
        }
        let outcomes: Vec<GcraOutcome> = keys
            .iter()
            .map(|(key, params)| decide(tats.get(key).copied(), now_ms, *params))
            .collect();
        let decision = decide_all(&outcomes)?;
        if decision.1.allowed {
            for ((key, _), outcome) in keys.iter().zip(&outcomes) {
                tats.insert(key.clone(), outcome.new_tat_ms);
            }
        }
        Some(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn params(requests: u32, burst: u32) -> GcraParams {
        GcraParams::from(Quota {
            requests,
            period: Duration::from_secs(60),
            burst,
        })
    }

    #[test]
    fn a_burst_passes_then_one_request_per_interval() {
        let p = params(60, 3);
        let mut tat = None;
        for expected_remaining in [2, 1, 0] {
            let outcome = decide(tat, 0, p);
            assert!(outcome.allowed);
            assert_eq!(outcome.remaining, expected_remaining);
            tat = Some(outcome.new_tat_ms);
        }
        let refused = decide(tat, 0, p);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_ms, 1000);
        assert!(!decide(tat, 999, p).allowed);
        assert!(decide(tat, 1000, p).allowed);
    }

    #[test]
    fn several_keys_are_charged_only_when_all_allow() {
        let limiter = LocalLimiter::default();
        let keys = vec![
            ("ip".to_owned(), params(60, 5)),
            ("user".to_owned(), params(60, 2)),
        ];
        assert!(limiter.check(&keys, 0).unwrap().1.allowed);
        assert!(limiter.check(&keys, 0).unwrap().1.allowed);
        let (index, refused) = limiter.check(&keys, 0).unwrap();
        assert!(!refused.allowed);
        assert_eq!(index, 1, "the user key binds");
        // The refused request did not use up the IP key.
        let ip_only = vec![("ip".to_owned(), params(60, 5))];
        assert_eq!(limiter.check(&ip_only, 0).unwrap().1.remaining, 2);
    }

    proptest! {
        #[test]
        fn never_more_than_burst_plus_elapsed_intervals(
            requests in 1u32..600, burst in 1u32..50, gaps in proptest::collection::vec(0u64..3000, 1..200)
        ) {
            let p = params(requests, burst);
            let mut tat = None;
            let mut now = 0;
            let mut allowed = 0u64;
            for gap in gaps {
                now += gap;
                let outcome = decide(tat, now, p);
                if outcome.allowed {
                    allowed += 1;
                    tat = Some(outcome.new_tat_ms);
                }
            }
            prop_assert!(allowed <= u64::from(burst) + now / p.emission_interval_ms);
        }
    }
}
