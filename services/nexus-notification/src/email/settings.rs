//! `[notification.email]` (`NEXUS_NOTIFICATION__EMAIL__<KEY>`): the e-mail channel's keys.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::webhooks::clock::ClockHandle;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain TCP upgraded with STARTTLS (refused if the server cannot upgrade): port 587.
    Starttls,
    /// TLS from the first byte (SMTPS): port 465.
    Tls,
    /// No encryption: only for a local mail sink (development and tests).
    Plain,
}

/// The e-mail channel's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    /// Whether the sender runs at all (mails stay queued while it does not).
    pub enabled: bool,
    /// The SMTP server's host name (also the name its TLS certificate must carry).
    pub smtp_host: String,
    /// The SMTP server's port.
    pub smtp_port: u16,
    /// `starttls`, `tls` or `plain`.
    pub security: SmtpSecurity,
    /// The SMTP user, if the server wants authentication.
    pub username: Option<String>,
    /// The SMTP password (never logged, never in `last_error`).
    pub password: Option<SecretString>,
    /// The `From` header (`Name <address>`).
    pub from: String,
    /// Connect and command timeout of one SMTP dialogue.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// nexus-user's base URL (the recipient's address is read at send time).
    pub user_url: String,
    /// Mails one address may receive per hour; more wait (not counted as an attempt).
    pub per_recipient_per_hour: u32,
    /// Attempts before a mail is given up as `failed`.
    pub max_attempts: u32,
    /// The first retry's delay; doubled per attempt, capped at `retry_max`, with ±`jitter`.
    #[serde(with = "humantime_serde")]
    pub retry_base: Duration,
    /// The longest delay between two attempts.
    #[serde(with = "humantime_serde")]
    pub retry_max: Duration,
    /// Relative jitter of a retry delay (0.2 is ±20%).
    pub jitter: f64,
    /// Permanent refusals (SMTP 5xx) after which an address gets no more mail.
    pub max_bounces: u32,
    /// How long a claimed mail stays the claimer's before another sender may take it.
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// The pause after a pass that found nothing due.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Mails claimed per pass.
    pub batch: u32,
    /// The hour (UTC, 0-23) at which the daily digest of the previous 24 hours goes out.
    pub digest_hour_utc: u32,
    /// The time source (tests only; not configurable).
    #[serde(skip)]
    pub clock: ClockHandle,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            smtp_host: "127.0.0.1".to_owned(),
            smtp_port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "Nexus Security <notifications@nexus.local>".to_owned(),
            timeout: Duration::from_secs(15),
            user_url: "http://127.0.0.1:8084".to_owned(),
            per_recipient_per_hour: 30,
            max_attempts: 10,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(6 * 3600),
            jitter: 0.2,
            max_bounces: 3,
            lease: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
            batch: 16,
            digest_hour_utc: 8,
            clock: ClockHandle::default(),
        }
    }
}

impl EmailSettings {
    /// Appends what is wrong with the section to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.smtp_host.trim().is_empty() {
            problems.push("notification.email.smtp_host: must not be empty".to_owned());
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push(format!(
                "notification.email.from {:?}: is not a mailbox (`Name <address>`)",
                self.from
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            problems
                .push("notification.email.username and password: set both or neither".to_owned());
        }
        if !(self.user_url.starts_with("http://") || self.user_url.starts_with("https://")) {
            problems.push("notification.email.user_url: must be an http(s) URL".to_owned());
        }
        if self.max_attempts == 0 || self.batch == 0 || self.per_recipient_per_hour == 0 {
            problems.push(
                "notification.email.max_attempts, batch and per_recipient_per_hour: must be at least 1"
                    .to_owned(),
            );
        }
        if self.digest_hour_utc > 23 {
            problems.push("notification.email.digest_hour_utc: must be 0-23".to_owned());
        }
        if !(0.0..1.0).contains(&self.jitter) {
            problems.push("notification.email.jitter: must be in [0, 1)".to_owned());
        }
        if self.timeout.is_zero() || self.retry_base.is_zero() || self.lease < self.timeout {
            problems.push(
                "notification.email: timeout and retry_base must be positive, lease at least the timeout"
                    .to_owned(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_a_half_configured_login_is_refused() {
        let mut problems = Vec::new();
        EmailSettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let settings = EmailSettings {
            username: Some("mailer".to_owned()),
            from: "not a mailbox".to_owned(),
            ..EmailSettings::default()
        };
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
