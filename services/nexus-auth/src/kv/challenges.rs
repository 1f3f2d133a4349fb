//! MFA challenges: the half-finished sign-in between the password and the second factor.
//!
//! `mfa:<sha256 of mfa_token>` holds the challenge as JSON with a TTL; `mfa-attempts:<same>`
//! counts wrong codes. Finishing deletes the challenge, and only the request whose `DEL`
//! removed it gets tokens, so a challenge is used at most once.

use std::time::Duration;

use nexus_core::{Role, UserId};
use serde::{Deserialize, Serialize};

use super::{Kv, millis};
use crate::domain::secrets::{opaque_token, sha256_hex};

/// What the password step established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// The user.
    pub user_id: UserId,
    /// The login name used (lockout counts failures of the second factor against it too).
    pub login: String,
    /// Roles at sign-in.
    pub roles: Vec<Role>,
    /// The `status` claim of the tokens (`banned`, or none).
    #[serde(default)]
    pub status: Option<String>,
}

/// The challenge store.
#[derive(Debug, Clone)]
pub struct Challenges {
    kv: Kv,
    ttl: Duration,
    max_attempts: u32,
}

impl Challenges {
    /// Challenges living `ttl`, allowing `max_attempts` wrong codes.
    pub fn new(kv: Kv, ttl: Duration, max_attempts: u32) -> Self {
        Self {
            kv,
            ttl,
            max_attempts,
        }
    }

    /// Lifetime of a challenge.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn keys(&self, token: &str) -> (String, String) {
        let hash = sha256_hex(token);
        (
            self.kv.key(&format!("mfa:{hash}")),
            self.kv.key(&format!("mfa-attempts:{hash}")),
        )
    }

    /// Stores `challenge`; returns its token.
    pub async fn create(&self, challenge: &Challenge) -> Result<String, redis::RedisError> {
        let token = opaque_token();
        let (key, _) = self.keys(&token);
        let body = serde_json::to_string(challenge).unwrap_or_default();
        let mut connection = self.kv.connection();
        redis::cmd("SET")
            .arg(key)
            .arg(body)
            .arg("PX")
            .arg(millis(self.ttl))
            .query_async::<()>(&mut connection)
            .await?;
        Ok(token)
    }

    /// The challenge of `token`, if it is still open.
    pub async fn get(&self, token: &str) -> Result<Option<Challenge>, redis::RedisError> {
        let (key, _) = self.keys(token);
        let mut connection = self.kv.connection();
        let body: Option<String> = redis::cmd("GET")
            .arg(key)
            .query_async(&mut connection)
            .await?;
        Ok(body.and_then(|body| serde_json::from_str(&body).ok()))
    }

    /// Counts a wrong code; discards the challenge after too many.
    pub async fn record_failure(&self, token: &str) -> Result<(), redis::RedisError> {
        let (key, attempts_key) = self.keys(token);
        let mut connection = self.kv.connection();
        let (count,): (u32,) = redis::pipe()
            .atomic()
            .incr(&attempts_key, 1)
            .pexpire(
                &attempts_key,
                i64::try_from(millis(self.ttl)).unwrap_or(i64::MAX),
            )
            .ignore()
            .query_async(&mut connection)
            .await?;
        if count >= self.max_attempts {
            redis::cmd("DEL")
                .arg(key)
                .query_async::<()>(&mut connection)
                .await?;
        }
        Ok(())
    }

    /// Ends the challenge; true only for the one caller that ended it.
    pub async fn finish(&self, token: &str) -> Result<bool, redis::RedisError> {
        let (key, attempts_key) = self.keys(token);
        let mut connection = self.kv.connection();
        let removed: u32 = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut connection)
            .await?;
        redis::cmd("DEL")
            .arg(attempts_key)
            .query_async::<()>(&mut connection)
            .await?;
        Ok(removed == 1)
    }
}
