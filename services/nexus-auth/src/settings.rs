//! `[auth]` settings (`NEXUS_AUTH__*`).

use std::path::PathBuf;
use std::time::Duration;

use nexus_config::Validate;
use secrecy::SecretString;
use serde::Deserialize;

use crate::clock::ClockHandle;

/// The signature algorithm of new access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys (default; every JOSE library has it).
    #[default]
    Rs256,
    /// Ed25519 (smaller, faster).
    Eddsa,
}

/// `[auth]`: the auth service's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Base URL of nexus-user (credentials check, account lookups).
    pub user_url: String,
    /// Directory of signing keys: one PKCS#8 PEM file per key, named `<kid>.pem`. Every key in
    /// it is published in the JWKS; one signs.
    pub keys_dir: PathBuf,
    /// Algorithm of the key generated on first run, and of the signing key chosen when
    /// `signing_kid` is not set (the last `kid` in lexical order with this algorithm).
    pub signing_algorithm: SigningAlgorithm,
    /// The `kid` that signs; unset means the newest key of `signing_algorithm`.
    pub signing_kid: Option<String>,
    /// Create a key (and the server secret) when the directory has none (first local run).
    pub generate_missing_keys: bool,
    /// Lifetime of access tokens.
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: Duration,
    /// Lifetime of an unused refresh token.
    #[serde(with = "humantime_serde")]
    pub refresh_token_ttl: Duration,
    /// Lifetime of the access token an API-key introspection returns.
    #[serde(with = "humantime_serde")]
    pub api_key_token_ttl: Duration,
    /// How long an MFA challenge (the `mfa_token` of a login) stays valid.
    #[serde(with = "humantime_serde")]
    pub mfa_challenge_ttl: Duration,
    /// Wrong codes accepted per MFA challenge before it is discarded.
    pub mfa_challenge_attempts: u32,
    /// HMAC key for API keys and recovery codes. Unset: read from `<keys_dir>/server_secret`
    /// (generated on first local run).
    pub server_secret: Option<SecretString>,
    /// Directory of the envelope keys TOTP secrets are encrypted with (secret store mount): one
    /// file per key, `<kid>.key`, holding 32 random bytes as base64url. Unset:
    /// `<keys_dir>/totp` (a key is generated there on the first local run).
    pub totp_encryption_keys_dir: Option<PathBuf>,
    /// The key that encrypts new secrets and re-encrypts older ones at start; unset: the last
    /// `kid` in lexical order. Older keys only decrypt.
    pub totp_encryption_kid: Option<String>,
    /// Take the client address from `X-Nexus-Client-Ip`, the header the gateway sets to the
    /// address it determined, on requests that also carry a valid service token
    /// (`X-Nexus-Service-Token`, which the gateway sends beside it). Clients cannot send either
    /// through the gateway, which drops every `X-Nexus-*` header of theirs; a pod that reaches
    /// the service port directly has no token, so its header is ignored and its own address is
    /// limited. On by default, so per-address limits work behind the gateway as deployed.
    pub trust_gateway_client_ip: bool,
    /// Take the client address from the first `X-Forwarded-For` hop instead (off: any client
    /// can write that header; only for a proxy other than the gateway that sets it).
    pub trust_forwarded_for: bool,
    /// Per-account progressive delay and lock.
    pub lockout: LockoutSettings,
    /// Per-IP login attempt limit.
    pub ip_limit: IpLimitSettings,
    /// Time source of lockout, IP limits and TOTP; never configured, tests replace it.
    #[serde(skip)]
    pub clock: ClockHandle,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            user_url: "http://127.0.0.1:8084".into(),
            keys_dir: PathBuf::from(".nexus/keys/auth"),
            signing_algorithm: SigningAlgorithm::Rs256,
            signing_kid: None,
            generate_missing_keys: true,
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            api_key_token_ttl: Duration::from_secs(300),
            mfa_challenge_ttl: Duration::from_secs(300),
            mfa_challenge_attempts: 5,
            server_secret: None,
            totp_encryption_keys_dir: None,
            totp_encryption_kid: None,
            trust_gateway_client_ip: true,
            trust_forwarded_for: false,
            lockout: LockoutSettings::default(),
            ip_limit: IpLimitSettings::default(),
            clock: ClockHandle::default(),
        }
    }
}

/// `[auth.lockout]`: kanidm-style soft lock per login name.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LockoutSettings {
    /// Failures allowed without any delay.
    pub free_failures: u32,
    /// Delay after the first failure beyond the free ones; doubles with each further failure.
    #[serde(with = "humantime_serde")]
    pub base_delay: Duration,
    /// Longest delay between two attempts.
    #[serde(with = "humantime_serde")]
    pub max_delay: Duration,
    /// Failures that lock the account.
    pub lock_after: u32,
    /// First lock duration; each further lock (before `reset_after` passes) doubles it.
    #[serde(with = "humantime_serde")]
    pub lock_duration: Duration,
    /// Longest lock.
    #[serde(with = "humantime_serde")]
    pub max_lock_duration: Duration,
    /// Failures and locks are forgotten after this long without a failure.
    #[serde(with = "humantime_serde")]
    pub reset_after: Duration,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            free_failures: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            lock_after: 10,
            lock_duration: Duration::from_secs(15 * 60),
            max_lock_duration: Duration::from_secs(24 * 3600),
            reset_after: Duration::from_secs(24 * 3600),
        }
    }
}

/// `[auth.ip_limit]`: login attempts per client address per window.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IpLimitSettings {
    /// Attempts per window.
    pub max_attempts: u32,
    /// Window length.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
}

impl Default for IpLimitSettings {
    fn default() -> Self {
        Self {
            max_attempts: 30,
            window: Duration::from_secs(60),
        }
    }
}

impl Validate for AuthSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if url::Url::parse(&self.user_url).is_err() {
            problems.push(format!("auth.user_url {:?} is not a URL", self.user_url));
        }
        let seconds = |duration: Duration| duration.as_secs();
        if !(60..=24 * 3600).contains(&seconds(self.access_token_ttl)) {
            problems.push("auth.access_token_ttl must be between 1m and 24h".into());
        }
        if !(3600..=90 * 24 * 3600).contains(&seconds(self.refresh_token_ttl)) {
            problems.push("auth.refresh_token_ttl must be between 1h and 90d".into());
        }
        if !(30..=3600).contains(&seconds(self.api_key_token_ttl)) {
            problems.push("auth.api_key_token_ttl must be between 30s and 1h".into());
        }
        if !(30..=3600).contains(&seconds(self.mfa_challenge_ttl)) {
            problems.push("auth.mfa_challenge_ttl must be between 30s and 1h".into());
        }
        if !(1..=20).contains(&self.mfa_challenge_attempts) {
            problems.push("auth.mfa_challenge_attempts must be between 1 and 20".into());
        }
        let lockout = &self.lockout;
        if lockout.lock_after == 0 || lockout.lock_after <= lockout.free_failures {
            problems.push("auth.lockout.lock_after must be above free_failures".into());
        }
        if lockout.base_delay > lockout.max_delay {
            problems.push("auth.lockout.base_delay must not exceed max_delay".into());
        }
        if lockout.lock_duration.is_zero() || lockout.lock_duration > lockout.max_lock_duration {
            problems.push(
                "auth.lockout.lock_duration must be positive and at most max_lock_duration".into(),
            );
        }
        if lockout.reset_after < lockout.max_lock_duration {
            problems.push("auth.lockout.reset_after must be at least max_lock_duration".into());
        }
        if self.ip_limit.max_attempts == 0 || self.ip_limit.window < Duration::from_secs(1) {
            problems
                .push("auth.ip_limit needs max_attempts >= 1 and a window of at least 1s".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(settings: &AuthSettings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        problems
    }

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(problems(&AuthSettings::default()), Vec::<String>::new());
    }

    #[test]
    fn each_bad_value_is_named() {
        type Spoil = fn(&mut AuthSettings);
        let cases: [(Spoil, &str); 6] = [
            (|s| s.user_url = "not a url".into(), "auth.user_url"),
            (
                |s| s.access_token_ttl = Duration::from_secs(1),
                "auth.access_token_ttl",
            ),
            (
                |s| s.refresh_token_ttl = Duration::from_secs(60),
                "auth.refresh_token_ttl",
            ),
            (|s| s.lockout.lock_after = 2, "auth.lockout.lock_after"),
            (
                |s| s.lockout.base_delay = Duration::from_secs(3600),
                "auth.lockout.base_delay",
            ),
            (|s| s.ip_limit.max_attempts = 0, "auth.ip_limit"),
        ];
        for (spoil, key) in cases {
            let mut settings = AuthSettings::default();
            spoil(&mut settings);
            let found = problems(&settings);
            assert!(
                found.iter().any(|problem| problem.starts_with(key)),
                "{key}: {found:?}"
            );
        }
    }
}
