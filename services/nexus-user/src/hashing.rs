//! Argon2id password hashing off the async threads, with a bound on concurrent hashes.
//!
//! - Every hash and verification runs on tokio's blocking pool (`spawn_blocking`) while
//!   holding one of `max_concurrent` permits, so a burst of sign-ins queues instead of
//!   starving the HTTP workers or allocating `m` KiB per request without limit.
//! - Verifying a login whose account does not exist runs against a dummy hash made with the
//!   same parameters at start-up, so a missing account costs the same work as a wrong
//!   password and timing does not reveal which accounts exist.
//! - A verified hash weaker than the configured parameters (any of `m`, `t`, `p` lower, or
//!   not Argon2id v1.3) is reported as needing a rehash; the caller stores the new hash.

use std::sync::Arc;
use std::time::Instant;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

use crate::domain::password_policy::{PasswordPolicyError, check_password};
use crate::error::UserError;
use crate::metrics::UserMetrics;
use crate::settings::PasswordHashSettings;

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The password matches.
    pub matches: bool,
    /// A fresh hash with the configured parameters, when the stored one is weaker.
    pub rehashed: Option<String>,
}

/// Hashes and verifies passwords with the configured Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
    metrics: UserMetrics,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Checks the parameters (the minimums unless waived) and prepares the dummy hash.
    pub async fn new(
        settings: &PasswordHashSettings,
        metrics: UserMetrics,
    ) -> Result<Self, UserError> {
        let problems = settings.problems();
        if !problems.is_empty() {
            return Err(UserError::InvalidSettings(problems.join("; ")));
        }
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|error| UserError::InvalidSettings(format!("user.password_hash: {error}")))?;
        let permits = Arc::new(Semaphore::new(settings.max_concurrent));
        let mut hasher = Self {
            params,
            permits,
            dummy_hash: Arc::from(""),
            metrics,
        };
        let dummy_password = uuid::Uuid::now_v7().to_string();
        hasher.dummy_hash = Arc::from(hasher.hash_unchecked(dummy_password).await?);
        Ok(hasher)
    }

    /// Applies the password policy (length and zxcvbn, with `user_inputs` as guessable
    /// words), then hashes; both on the blocking pool.
    pub async fn check_and_hash(
        &self,
        password: String,
        user_inputs: Vec<String>,
    ) -> Result<Result<String, PasswordPolicyError>, UserError> {
        let params = self.params.clone();
        self.run("hash", move || {
            let inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
            if let Err(error) = check_password(&password, &inputs) {
                return Ok(Err(error));
            }
            hash_with(&params, &password).map(Ok)
        })
        .await
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// account, doing the same work either way.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verification, UserError> {
        let params = self.params.clone();
        let account_exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        self.run("verify", move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Err(UserError::Internal(
                    "a stored password hash is not a PHC string".into(),
                ));
            };
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
                && account_exists;
            let rehashed = if matches && weaker_than(&parsed, &params) {
                Some(hash_with(&params, &password)?)
            } else {
                None
            };
            Ok(Verification { matches, rehashed })
        })
        .await
    }

    async fn hash_unchecked(&self, password: String) -> Result<String, UserError> {
        let params = self.params.clone();
        self.run("hash", move || hash_with(&params, &password))
            .await
    }

    async fn run<T, F>(&self, operation: &'static str, work: F) -> Result<T, UserError>
    where
        F: FnOnce() -> Result<T, UserError> + Send + 'static,
        T: Send + 'static,
    {
        let waiting = Instant::now();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| UserError::Internal("the password hashing pool is closed".into()))?;
        self.metrics.observe_wait(waiting.elapsed());
        let metrics = self.metrics.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = work();
            metrics.observe_hash(operation, started.elapsed());
            result
        })
        .await
        .map_err(|error| UserError::Internal(format!("password hashing task failed: {error}")))?
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, UserError> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| UserError::Internal(format!("hashing a password failed: {error}")))
}

/// True when `hash` is not Argon2id v1.3 or any cost is below `configured`.
fn weaker_than(hash: &PasswordHash, configured: &Params) -> bool {
    let Ok(stored) = Params::try_from(hash) else {
        return true;
    };
    hash.algorithm != argon2::ARGON2ID_IDENT
        || hash.version != Some(Version::V0x13.into())
        || stored.m_cost() < configured.m_cost()
        || stored.t_cost() < configured.t_cost()
        || stored.p_cost() < configured.p_cost()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn settings(memory_kib: u32, iterations: u32) -> PasswordHashSettings {
        PasswordHashSettings {
            memory_kib,
            iterations,
            ..PasswordHashSettings::insecure_for_tests()
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_and_carries_its_parameters() {
        let hasher = PasswordHasher::new(&settings(64, 1), UserMetrics::default())
            .await
            .unwrap();
        let hash = hasher
            .check_and_hash("tangerine orbit quietly 71 lamps".into(), vec![])
            .await
            .unwrap()
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        let verified = hasher
            .verify(
                "tangerine orbit quietly 71 lamps".into(),
                Some(hash.clone()),
            )
            .await
            .unwrap();
        assert_eq!(
            verified,
            Verification {
                matches: true,
                rehashed: None
            }
        );
        let wrong = hasher.verify("wrong".into(), Some(hash)).await.unwrap();
        assert!(!wrong.matches);
    }

    #[tokio::test]
    async fn a_missing_account_never_matches_even_the_dummy_password() {
        let hasher = PasswordHasher::new(&settings(64, 1), UserMetrics::default())
            .await
            .unwrap();
        let verified = hasher.verify(String::new(), None).await.unwrap();
        assert!(!verified.matches);
    }

    #[tokio::test]
    async fn stronger_configuration_rehashes_on_verify() {
        let weak = PasswordHasher::new(&settings(64, 1), UserMetrics::default())
            .await
            .unwrap();
        let strong = PasswordHasher::new(&settings(128, 2), UserMetrics::default())
            .await
            .unwrap();
        let hash = weak.hash_unchecked("pw".into()).await.unwrap();
        let verified = strong.verify("pw".into(), Some(hash)).await.unwrap();
        assert!(verified.matches);
        assert!(verified.rehashed.unwrap().contains("m=128,t=2,p=1"));
    }

    #[tokio::test]
    async fn parameters_below_the_minimum_are_refused_unless_waived() {
        let mut weak = settings(64, 1);
        weak.allow_below_minimum = false;
        assert!(matches!(
            PasswordHasher::new(&weak, UserMetrics::default()).await,
            Err(UserError::InvalidSettings(_))
        ));
    }
}
