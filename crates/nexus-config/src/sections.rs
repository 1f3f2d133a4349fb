//! The settings sections every service shares.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::loader::Validate;

/// `[server]`: where and how the service serves HTTP.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Public HTTP listener. Port 0 asks the OS for a free port (tests); the bound port is
    /// readable from the running service.
    pub http_addr: SocketAddr,
    /// Admin listener serving `/metrics`; kept apart so metrics are never exposed publicly.
    pub admin_addr: SocketAddr,
    /// How long in-flight requests and workers get to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Largest request body accepted by default, in bytes (routes may set their own).
    pub body_limit_bytes: usize,
    /// Largest JSON body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Actix worker threads; 0 means one per core.
    pub workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            shutdown_timeout: Duration::from_secs(30),
            body_limit_bytes: 1024 * 1024,
            json_limit_bytes: 256 * 1024,
            workers: 0,
        }
    }
}

impl Validate for ServerSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.body_limit_bytes == 0 {
            problems.push("server.body_limit_bytes must be greater than 0".into());
        }
        if self.json_limit_bytes == 0 || self.json_limit_bytes > self.body_limit_bytes {
            problems.push(
                "server.json_limit_bytes must be between 1 and server.body_limit_bytes".into(),
            );
        }
        if self.http_addr.port() != 0 && self.http_addr == self.admin_addr {
            problems.push("server.http_addr and server.admin_addr must differ".into());
        }
        if self.shutdown_timeout.is_zero() {
            problems.push("server.shutdown_timeout must be greater than 0".into());
        }
    }
}

/// `[database]`: the PostgreSQL connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `postgres://user:password@host:port/database`. Secret: it may hold a password.
    pub url: SecretString,
    /// Upper bound of pooled connections.
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before failing as unavailable.
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// Connection attempts at start-up before giving up (the seed's "3 retries").
    pub connect_retries: u32,
    /// Delay before the first retry; doubles on each further attempt.
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
    /// Apply pending migrations at start-up.
    pub run_migrations: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("postgres://postgres@127.0.0.1:5432/nexus"),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            connect_retries: 3,
            retry_backoff: Duration::from_millis(500),
            run_migrations: true,
        }
    }
}

impl Validate for DatabaseSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        check_url(
            problems,
            "database.url",
            self.url.expose_secret(),
            &["postgres", "postgresql"],
        );
        if self.max_connections == 0 {
            problems.push("database.max_connections must be at least 1".into());
        }
        if self.connect_retries > 20 {
            problems.push("database.connect_retries must be at most 20".into());
        }
    }
}

/// `[redis]`: the Redis connection shared by the bus, caches and rate limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`. Secret: it may hold a password.
    pub url: SecretString,
    /// Prefix put in front of every key, stream and channel this process touches, so several
    /// deployments (or tests) can share one Redis without seeing each other. Empty by default:
    /// the names carry the platform's `nexus:` themselves (`nexus:analysis:jobs:v1`,
    /// `nexus:user:siwe:<nonce>`; see `nexus_bus::RedisKeys`).
    pub key_prefix: String,
    /// Connection attempts at start-up before giving up.
    pub connect_retries: u32,
    /// Delay before the first retry; doubles on each further attempt.
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("redis://127.0.0.1:6379"),
            key_prefix: String::new(),
            connect_retries: 3,
            retry_backoff: Duration::from_millis(500),
        }
    }
}

impl Validate for RedisSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        check_url(
            problems,
            "redis.url",
            self.url.expose_secret(),
            &["redis", "rediss"],
        );
        if self.key_prefix.chars().any(|c| c.is_whitespace()) {
            problems.push("redis.key_prefix must not contain white space".into());
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, readable text when it is.
    #[default]
    Auto,
    /// Always one JSON object per line.
    Json,
    /// Always readable text.
    Pretty,
}

/// `[telemetry]`: logs, traces and metrics.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct TelemetrySettings {
    /// Log line format.
    pub log_format: LogFormat,
    /// Default log filter when `RUST_LOG` is unset, e.g. `info,sqlx=warn`.
    pub log_filter: Option<String>,
    /// OTLP/HTTP endpoint for traces (e.g. `http://127.0.0.1:4318`); no export when unset.
    pub otlp_endpoint: Option<Url>,
}

impl Validate for TelemetrySettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if let Some(endpoint) = &self.otlp_endpoint
            && !matches!(endpoint.scheme(), "http" | "https")
        {
            problems.push(format!(
                "telemetry.otlp_endpoint must be http(s), got {}",
                endpoint.scheme()
            ));
        }
    }
}

/// Checks a connection URL's syntax and scheme without ever echoing it (it may hold a password).
fn check_url(problems: &mut Vec<String>, key: &str, raw: &str, schemes: &[&str]) {
    match Url::parse(raw) {
        Ok(url) if schemes.contains(&url.scheme()) => {}
        Ok(url) => problems.push(format!(
            "{key} must use one of the schemes {}; found {}",
            schemes.join(", "),
            url.scheme()
        )),
        Err(error) => problems.push(format!("{key} is not a valid URL: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(section: &impl Validate) -> Vec<String> {
        let mut problems = Vec::new();
        section.validate(&mut problems);
        problems
    }

    #[test]
    fn defaults_are_valid() {
        assert!(problems_of(&ServerSettings::default()).is_empty());
        assert!(problems_of(&DatabaseSettings::default()).is_empty());
        assert!(problems_of(&RedisSettings::default()).is_empty());
        assert!(problems_of(&TelemetrySettings::default()).is_empty());
    }

    #[test]
    fn a_wrong_scheme_is_reported_without_leaking_the_password() {
        let settings = DatabaseSettings {
            url: SecretString::from("mysql://root:hunter2@localhost/nexus"),
            ..DatabaseSettings::default()
        };
        let problems = problems_of(&settings);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("database.url must use one of the schemes postgres"));
        assert!(!problems[0].contains("hunter2"));
    }

    #[test]
    fn json_limit_above_body_limit_is_rejected() {
        let settings = ServerSettings {
            json_limit_bytes: 10,
            body_limit_bytes: 5,
            ..ServerSettings::default()
        };
        assert_eq!(problems_of(&settings).len(), 1);
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let settings = RedisSettings {
            url: SecretString::from("redis://:s3cret@host"),
            ..RedisSettings::default()
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
