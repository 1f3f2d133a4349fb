//! `[notification.webhooks]` (`NEXUS_NOTIFICATION__WEBHOOKS__<KEY>`): the webhook channel's keys.

use std::time::Duration;

use nexus_fetch::FetchPolicy;
use serde::Deserialize;

use super::clock::ClockHandle;

/// The webhook channel's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    /// Networks the fetcher may reach although they are internal (CIDR, e.g. `127.0.0.0/8`): local
    /// development and tests only; empty in production.
    pub allow: Vec<String>,
    /// Ports endpoints may use besides 80 and 443.
    pub allowed_ports: Vec<u16>,
    /// Whether `http://` endpoints are accepted (`https://` always is).
    pub allow_http: bool,
    /// The whole delivery request's time limit (connect, send, read).
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Response bytes read from an endpoint; the rest is cut (the log keeps 1 KiB of it).
    pub max_response_bytes: usize,
    /// How long a rotated-out secret keeps signing beside the new one.
    #[serde(with = "humantime_serde")]
    pub rotation_overlap: Duration,
    /// An endpoint whose every attempt failed for this many days is disabled and its owner told.
    pub disable_after_days: u32,
    /// How long a claimed message stays with its worker before another may claim it.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// The delivery worker's pause when nothing was due.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Messages claimed per pass.
    pub batch: u32,
    /// Half-width of the retry delays' random band, as a fraction (0.1 = ±10 %).
    pub jitter: f64,
    /// Endpoints one user may register.
    pub max_endpoints_per_user: u32,
    /// The time source (tests only; not configurable).
    #[serde(skip)]
    pub clock: ClockHandle,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            allowed_ports: Vec::new(),
            allow_http: true,
            timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024,
            rotation_overlap: Duration::from_secs(24 * 3600),
            disable_after_days: 5,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            batch: 32,
            jitter: 0.1,
            max_endpoints_per_user: 20,
            clock: ClockHandle::default(),
        }
    }
}

impl WebhookSettings {
    /// The fetcher's policy from these settings (no redirects followed: a 3xx is a failure).
    pub fn fetch_policy(&self) -> Result<FetchPolicy, String> {
        let allow = self
            .allow
            .iter()
            .map(|net| {
                net.parse::<ipnet::IpNet>().map_err(|_| {
                    format!("notification.webhooks.allow: {net:?} is not a CIDR network")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FetchPolicy {
            allow,
            allowed_ports: self.allowed_ports.clone(),
            allow_http: self.allow_http,
            timeout: self.timeout,
            connect_timeout: self.timeout.min(Duration::from_secs(5)),
            max_response_bytes: self.max_response_bytes,
            max_redirects: 0,
            user_agent: "nexus-webhooks/1".to_owned(),
        })
    }

    /// Every problem with these settings.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if let Err(problem) = self.fetch_policy() {
            problems.push(problem);
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(60) {
            problems.push("notification.webhooks.timeout: must be between 1ms and 60s".to_owned());
        }
        if self.lease <= self.timeout {
            problems
                .push("notification.webhooks.lease: must be longer than the timeout".to_owned());
        }
        if self.disable_after_days == 0 {
            problems
                .push("notification.webhooks.disable_after_days: must be at least 1".to_owned());
        }
        if self.batch == 0 || self.batch > 1000 {
            problems.push("notification.webhooks.batch: must be 1 to 1000".to_owned());
        }
        if !(0.0..=0.5).contains(&self.jitter) {
            problems.push("notification.webhooks.jitter: must be 0 to 0.5".to_owned());
        }
        if self.max_response_bytes < 1024 {
            problems
                .push("notification.webhooks.max_response_bytes: must be at least 1024".to_owned());
        }
    }
}
