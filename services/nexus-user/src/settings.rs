//! `[user]`: the user service's own settings (`NEXUS_USER__<SECTION>__<KEY>`).

use std::time::Duration;

use nexus_config::Validate;
use serde::Deserialize;

/// OWASP's minimum Argon2id memory cost (19 MiB), in KiB.
pub const MIN_MEMORY_KIB: u32 = 19_456;
/// OWASP's minimum Argon2id iterations for 19 MiB.
pub const MIN_ITERATIONS: u32 = 2;
/// Minimum Argon2id lanes.
pub const MIN_PARALLELISM: u32 = 1;

/// Everything under `[user]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserSettings {
    /// `[user.password_hash]`: Argon2id parameters.
    pub password_hash: PasswordHashSettings,
    /// `[user.siwe]`: wallet-linking challenges.
    pub siwe: SiweSettings,
    /// `[user.limits]`: per-account and per-request bounds.
    pub limits: LimitSettings,
    /// `[user.password_reset]`: reset tokens.
    pub password_reset: PasswordResetSettings,
    /// `[user.credential_limits]`: attempts at the internal credential check.
    pub credential_limits: CredentialLimitSettings,
    /// `[user.ws_key_challenge]`: proof of possession for WebSocket key registration.
    pub ws_key_challenge: WsKeyChallengeSettings,
}

/// Argon2id cost parameters. Raising them makes every stored hash weaker than configured,
/// and each is upgraded on the user's next successful sign-in (rehash on login).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PasswordHashSettings {
    /// Memory cost `m` in KiB (at least 19456).
    pub memory_kib: u32,
    /// Iterations `t` (at least 2).
    pub iterations: u32,
    /// Lanes `p` (at least 1).
    pub parallelism: u32,
    /// Hashes computed at once; more wait. Bounds memory (`m` each) and keeps CPU for the rest.
    pub max_concurrent: usize,
    /// Allows parameters below the minimums. Deliberately not configurable (`serde(skip)`):
    /// no file or environment variable can weaken hashing; only code that builds the
    /// settings struct, i.e. tests, can set it.
    #[serde(skip)]
    pub allow_below_minimum: bool,
}

impl Default for PasswordHashSettings {
    fn default() -> Self {
        Self {
            memory_kib: MIN_MEMORY_KIB,
            iterations: MIN_ITERATIONS,
            parallelism: MIN_PARALLELISM,
            max_concurrent: 4,
            allow_below_minimum: false,
        }
    }
}

impl PasswordHashSettings {
    /// Test parameters: m = 64 KiB, t = 1, p = 1, minimums waived. Never used by the binary.
    pub fn insecure_for_tests() -> Self {
        Self {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 4,
            allow_below_minimum: true,
        }
    }

    /// Problems with the parameters, the minimums included unless waived.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.allow_below_minimum {
            if self.memory_kib < MIN_MEMORY_KIB {
                problems.push(format!(
                    "user.password_hash.memory_kib must be at least {MIN_MEMORY_KIB} (19 MiB)"
                ));
            }
            if self.iterations < MIN_ITERATIONS {
                problems.push(format!(
                    "user.password_hash.iterations must be at least {MIN_ITERATIONS}"
                ));
            }
        }
        if self.parallelism < MIN_PARALLELISM || self.parallelism > 64 {
            problems.push("user.password_hash.parallelism must be between 1 and 64".into());
        }
        if self.memory_kib > 4 * 1024 * 1024 {
            problems.push("user.password_hash.memory_kib must be at most 4194304 (4 GiB)".into());
        }
        if self.iterations == 0 || self.iterations > 100 {
            problems.push("user.password_hash.iterations must be between 1 and 100".into());
        }
        if !(1..=256).contains(&self.max_concurrent) {
            problems.push("user.password_hash.max_concurrent must be between 1 and 256".into());
        }
        problems
    }
}

/// Sign-In with Ethereum (EIP-4361) challenges for wallet linking.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SiweSettings {
    /// The `domain` the message names: the host (and port) users see, i.e. the gateway's.
    pub domain: String,
    /// The `URI` the message names.
    pub uri: String,
    /// The human-readable statement.
    pub statement: String,
    /// How long a challenge may be signed and posted (the message's `Expiration Time`).
    #[serde(with = "humantime_serde")]
    pub challenge_ttl: Duration,
}

impl Default for SiweSettings {
    fn default() -> Self {
        Self {
            domain: "localhost:8080".into(),
            uri: "http://localhost:8080".into(),
            statement: "Link this wallet to your Nexus Security account.".into(),
            challenge_ttl: Duration::from_secs(300),
        }
    }
}

/// Bounds per account and per request.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Most wallets linked to one account.
    pub max_wallets_per_user: i64,
    /// Most active WebSocket keys of one account.
    pub max_ws_keys_per_user: i64,
    /// Largest JSON body any endpoint of this service accepts, in bytes.
    pub json_body_bytes: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            max_wallets_per_user: 10,
            max_ws_keys_per_user: 10,
            json_body_bytes: 16 * 1024,
        }
    }
}

/// At most `attempts` in each `window` (a fixed window in Redis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AttemptLimit {
    /// Attempts allowed per window.
    pub attempts: u32,
    /// The window.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
}

/// Limits of `POST /internal/v1/credentials/verify`, counted in Redis apart from auth's
/// lockout: a backstop if a caller bypasses auth's limits, and a bound on Argon2 work.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CredentialLimitSettings {
    /// Per login string (normalised) and per account it names.
    pub per_login: AttemptLimit,
    /// Over all logins.
    pub overall: AttemptLimit,
}

impl Default for CredentialLimitSettings {
    fn default() -> Self {
        Self {
            per_login: AttemptLimit {
                attempts: 30,
                window: Duration::from_secs(300),
            },
            overall: AttemptLimit {
                attempts: 3000,
                window: Duration::from_secs(60),
            },
        }
    }
}

/// Challenges a WebSocket key must sign to be registered.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WsKeyChallengeSettings {
    /// How long a challenge may be signed and used (once).
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
}

impl Default for WsKeyChallengeSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
        }
    }
}

impl Validate for UserSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        problems.extend(self.password_hash.problems());
        if self.password_reset.token_ttl < Duration::from_secs(60)
            || self.password_reset.token_ttl > Duration::from_secs(24 * 3600)
            || self.password_reset.max_per_hour == 0
        {
            problems.push(
                "user.password_reset needs a token_ttl between 1m and 24h and max_per_hour >= 1"
                    .into(),
            );
        }
        let siwe = &self.siwe;
        if siwe.domain.is_empty() || siwe.domain.contains(char::is_whitespace) {
            problems.push("user.siwe.domain must be a host[:port] without spaces".into());
        }
        if !siwe.uri.contains("://") || siwe.uri.contains(char::is_whitespace) {
            problems.push("user.siwe.uri must be an absolute URI".into());
        }
        if !crate::domain::siwe::is_valid_statement(&siwe.statement) || siwe.statement.len() > 256 {
            problems.push(
                "user.siwe.statement must be one line of at most 256 bytes of letters, digits, spaces and URI punctuation"
                    .into(),
            );
        }
        if siwe.challenge_ttl < Duration::from_secs(1)
            || siwe.challenge_ttl > Duration::from_secs(3600)
        {
            problems.push("user.siwe.challenge_ttl must be between 1s and 1h".into());
        }
        for (name, limit) in [
            ("per_login", self.credential_limits.per_login),
            ("overall", self.credential_limits.overall),
        ] {
            if limit.attempts == 0 || limit.window < Duration::from_secs(1) {
                problems.push(format!(
                    "user.credential_limits.{name} needs at least 1 attempt and a window of at least 1s"
                ));
            }
        }
        if self.ws_key_challenge.ttl < Duration::from_secs(10)
            || self.ws_key_challenge.ttl > Duration::from_secs(3600)
        {
            problems.push("user.ws_key_challenge.ttl must be between 10s and 1h".into());
        }
        let limits = &self.limits;
        if !(1..=1000).contains(&limits.max_wallets_per_user) {
            problems.push("user.limits.max_wallets_per_user must be between 1 and 1000".into());
        }
        if !(1..=1000).contains(&limits.max_ws_keys_per_user) {
            problems.push("user.limits.max_ws_keys_per_user must be between 1 and 1000".into());
        }
        if !(1024..=1024 * 1024).contains(&limits.json_body_bytes) {
            problems.push("user.limits.json_body_bytes must be between 1024 and 1048576".into());
        }
    }
}

/// `[user.password_reset]`: the e-mailed reset tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PasswordResetSettings {
    /// How long a reset token works.
    #[serde(with = "humantime_serde")]
    pub token_ttl: Duration,
    /// Reset requests per account per hour; more are answered the same (202) but send nothing.
    pub max_per_hour: u32,
}

impl Default for PasswordResetSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(30 * 60),
            max_per_hour: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_at_the_owasp_minimum() {
        let settings = UserSettings::default();
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.password_hash.memory_kib, 19_456);
        assert_eq!(settings.password_hash.iterations, 2);
        assert_eq!(settings.password_hash.parallelism, 1);
    }

    #[test]
    fn weak_parameters_are_refused_unless_waived_in_code() {
        let mut settings = UserSettings::default();
        settings.password_hash.memory_kib = 1024;
        settings.password_hash.iterations = 1;
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");

        settings.password_hash.allow_below_minimum = true;
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }
}
