//! What a process must hold before it can judge a caller: the auth service's signing keys and
//! the published Cedar policies.
//!
//! A service that has just started has neither until its first fetch. Refusing a valid token
//! then with 401 tells the client its token is bad (clients sign their users out on that), so
//! until the gate opens every request that carries a token is answered 503 with
//! `Retry-After` (`auth_not_ready`), and `/ready` stays 503 so no load balancer sends traffic
//! meanwhile. The runtime [`require`](StartupGate::require)s each piece before it serves and
//! [`satisfy`](StartupGate::satisfy)s it when the first fetch lands; a gate with nothing
//! required is open from the start (inline keys, the auth service itself, tests).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use futures_util::future::BoxFuture;

use crate::health::ReadinessCheck;

/// Seconds a client is told to wait while the gate is closed.
pub const NOT_READY_RETRY_AFTER_SECONDS: u32 = 1;

/// The pieces still missing; open when there are none.
#[derive(Debug, Default)]
pub struct StartupGate {
    open: AtomicBool,
    pending: Mutex<Vec<&'static str>>,
}

impl StartupGate {
    /// An open gate (nothing required).
    pub fn new() -> Self {
        Self {
            open: AtomicBool::new(true),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Closes the gate until `what` is satisfied.
    pub fn require(&self, what: &'static str) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if !pending.contains(&what) {
            pending.push(what);
        }
        self.open.store(false, Ordering::Release);
    }

    /// Marks `what` as held; the gate opens when nothing else is pending. Idempotent.
    pub fn satisfy(&self, what: &'static str) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.retain(|missing| *missing != what);
        if pending.is_empty() {
            self.open.store(true, Ordering::Release);
        }
    }

    /// True when everything required is held.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// What is still missing.
    pub fn pending(&self) -> Vec<&'static str> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `/ready` check `auth_material`: red while the gate is closed.
pub struct StartupGateCheck(pub std::sync::Arc<StartupGate>);

impl ReadinessCheck for StartupGateCheck {
    fn name(&self) -> &'static str {
        "auth_material"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let pending = self.0.pending();
        Box::pin(async move {
            if pending.is_empty() {
                Ok(())
            } else {
                Err(format!("waiting for {}", pending.join(" and ")))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_opens_once_every_required_piece_is_held() {
        let gate = StartupGate::new();
        assert!(gate.is_open());
        gate.require("signing keys");
        gate.require("published policies");
        gate.satisfy("signing keys");
        assert!(!gate.is_open());
        assert_eq!(gate.pending(), vec!["published policies"]);
        gate.satisfy("published policies");
        gate.satisfy("published policies");
        assert!(gate.is_open());
    }
}
