//! `[notification]` settings (`NEXUS_NOTIFICATION__<KEY>`).
//!
//! Every key has its default here and its checks in [`Validate`]. As in every section a service
//! reads, an unknown key in `[notification]` is refused at start (nexus-config's loader), not
//! silently ignored. The e-mail and webhook channels keep their keys in their own sub-sections.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nexus_config::Validate;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Shortest unsubscribe secret accepted, bytes.
const MIN_SECRET_LEN: usize = 32;

/// The notification service's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NotificationSettings {
    /// HMAC-SHA256 key of the unsubscribe links (at least 32 bytes). Unset: a random key per
    /// process, so links stop working when it restarts and differ between replicas: set it in
    /// every deployment that sends mail.
    pub unsubscribe_secret: SecretString,
    /// How long an unsubscribe link works after its mail was written.
    #[serde(with = "humantime_serde")]
    pub unsubscribe_ttl: Duration,
    /// The public API's base URL as people reach it (the gateway), for links in mails.
    pub public_url: String,
    /// `[notification.webhooks]`: the webhook channel (WEBHOOKS).
    pub webhooks: crate::webhooks::settings::WebhookSettings,
    /// `[notification.email]`: SMTP, limits and retries of the e-mail channel.
    pub email: crate::email::settings::EmailSettings,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self {
            unsubscribe_secret: SecretString::from(URL_SAFE_NO_PAD.encode(key)),
            unsubscribe_ttl: Duration::from_secs(60 * 24 * 3600),
            public_url: "http://127.0.0.1:8080".to_owned(),
            webhooks: Default::default(),
            email: Default::default(),
        }
    }
}

impl Validate for NotificationSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        self.webhooks.validate(problems);
        self.email.validate(problems);
        if self.unsubscribe_secret.expose_secret().len() < MIN_SECRET_LEN {
            problems.push(format!(
                "notification.unsubscribe_secret: must be at least {MIN_SECRET_LEN} bytes"
            ));
        }
        if self.unsubscribe_ttl < Duration::from_secs(3600) {
            problems.push("notification.unsubscribe_ttl: must be at least 1h".to_owned());
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            problems.push("notification.public_url: must be an http(s) URL".to_owned());
        }
    }
}
