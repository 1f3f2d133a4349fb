//! Tunables of a [`ServiceClient`](crate::ServiceClient), passed in as a value.

use std::time::Duration;

use serde::Deserialize;

use crate::error::ClientError;
use crate::service_token::ServiceToken;

/// Timeouts, retries and circuit breaker of one service client.
///
/// Durations are written in humantime form (`"2s"`, `"250ms"`). Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClientSettings {
    /// Limit on one attempt, from sending the request to reading the whole response body.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Limit on establishing the TCP (and TLS) connection.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Retries after the first attempt, for idempotent methods only (GET, HEAD, PUT, DELETE,
    /// OPTIONS) and only on connect errors, timeouts and 502/503/504. 0 disables retries.
    pub retries: u32,
    /// Backoff before the first retry; it doubles for each further retry, up to `retry_max_backoff`.
    /// Each wait is drawn uniformly between half and all of that value (jitter), so callers that
    /// failed together do not retry together.
    #[serde(with = "humantime_serde")]
    pub retry_initial_backoff: Duration,
    /// Upper bound of one backoff.
    #[serde(with = "humantime_serde")]
    pub retry_max_backoff: Duration,
    /// Consecutive failed attempts (transport errors, timeouts, 5xx) that open the circuit.
    pub breaker_failure_threshold: u32,
    /// How long an open circuit refuses calls before letting one trial call through (half-open).
    #[serde(with = "humantime_serde")]
    pub breaker_open_duration: Duration,
    /// The service token sent on `/internal/*` calls. Never read from configuration here: the
    /// runtime fills it from `[service_auth]` for every client it hands out.
    #[serde(skip)]
    pub service_token: Option<ServiceToken>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            retries: 2,
            retry_initial_backoff: Duration::from_millis(100),
            retry_max_backoff: Duration::from_secs(2),
            breaker_failure_threshold: 5,
            breaker_open_duration: Duration::from_secs(30),
            service_token: None,
        }
    }
}

impl ClientSettings {
    /// Checks the values that would make the client misbehave.
    pub fn validate(&self) -> Result<(), ClientError> {
        let problem = if self.request_timeout.is_zero() {
            "request_timeout must be positive"
        } else if self.connect_timeout.is_zero() {
            "connect_timeout must be positive"
        } else if self.breaker_failure_threshold == 0 {
            "breaker_failure_threshold must be at least 1"
        } else if self.retry_max_backoff < self.retry_initial_backoff {
            "retry_max_backoff must not be below retry_initial_backoff"
        } else {
            return Ok(());
        };
        Err(ClientError::InvalidSettings(problem.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn defaults_are_valid() {
        ClientSettings::default().validate().unwrap();
    }

    #[test]
    fn partial_config_reads_humantime_and_keeps_other_defaults() {
        let settings: ClientSettings =
            serde_json::from_str(r#"{"request_timeout": "750ms", "retries": 0}"#).unwrap();
        assert_eq!(settings.request_timeout, Duration::from_millis(750));
        assert_eq!(settings.retries, 0);
        assert_eq!(settings.breaker_failure_threshold, 5);
    }

    #[test]
    fn zero_breaker_threshold_is_refused() {
        let settings = ClientSettings {
            breaker_failure_threshold: 0,
            ..ClientSettings::default()
        };
        assert_eq!(
            settings.validate().unwrap_err().code(),
            "client_invalid_settings"
        );
    }
}
