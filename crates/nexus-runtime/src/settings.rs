//! The settings every service shares, plus its own section.

use std::time::Duration;

use nexus_bus::BusSettings;
use nexus_client::ClientSettings;
use nexus_config::{
    ConfigSource, DatabaseSettings, RedisSettings, ServerSettings, ServiceKind, TelemetrySettings,
    Validate,
};
use serde::Deserialize;

use crate::error::RuntimeError;
use crate::policy_sync::PolicySettings;
use crate::tokens::TokenSettings;

/// `[outbox]`: how the relay moves committed events to Redis.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct OutboxSettings {
    /// Longest pause between scans when no `NOTIFY` arrives (a safety net; commits wake the
    /// relay at once).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// Rows relayed per transaction.
    pub batch_size: i64,
    /// Relayed rows are deleted after this long.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The sections shared by every service.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct RuntimeSettings {
    /// `[server]`.
    pub server: ServerSettings,
    /// `[database]`.
    pub database: DatabaseSettings,
    /// `[redis]`.
    pub redis: RedisSettings,
    /// `[telemetry]`.
    pub telemetry: TelemetrySettings,
    /// `[bus]`.
    pub bus: BusSettings,
    /// `[client]`: service-to-service calls.
    pub client: ClientSettings,
    /// `[outbox]`.
    pub outbox: OutboxSettings,
    /// `[tokens]`: access-token rules and where the verification keys come from.
    pub tokens: TokenSettings,
    /// `[policies]`: where the published Cedar policies come from.
    pub policies: PolicySettings,
    /// `[service_auth]`: the service token sent on, and required by, `/internal/*` calls.
    pub service_auth: nexus_http::service_auth::ServiceAuthSettings,
}

impl Validate for RuntimeSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        self.server.validate(problems);
        self.database.validate(problems);
        self.redis.validate(problems);
        self.telemetry.validate(problems);
        if let Err(error) = self.bus.validate() {
            problems.push(format!("bus: {error}"));
        }
        if let Err(error) = self.client.validate() {
            problems.push(format!("client: {error}"));
        }
        self.tokens.validate(problems);
        self.policies.validate(problems);
        problems.extend(self.service_auth.problems());
        if !(1..=10_000).contains(&self.outbox.batch_size) {
            problems.push("outbox.batch_size must be between 1 and 10000".into());
        }
    }
}

/// Everything one service is configured with: the shared sections and its own.
#[derive(Debug, Clone, Default)]
pub struct Settings<S> {
    /// Shared sections.
    pub runtime: RuntimeSettings,
    /// The service's own section (`[bounty]`, `NEXUS_BOUNTY__*`).
    pub service: S,
}

impl<S> Settings<S>
where
    S: serde::de::DeserializeOwned + Validate + Default,
{
    /// Loads `kind`'s settings from `source`, with the service's default ports as code
    /// defaults (HTTP 8080–8088 and admin 9090–9098 on 127.0.0.1). Returns the warnings to log
    /// once telemetry is up.
    pub fn load(
        kind: ServiceKind,
        source: ConfigSource,
    ) -> Result<(Self, Vec<String>), RuntimeError> {
        let sections: Vec<&str> = ServiceKind::ALL.iter().map(|kind| kind.section()).collect();
        let loaded = source
            .with_default(
                "server.http_addr",
                format!("127.0.0.1:{}", kind.default_http_port()),
            )
            .with_default(
                "server.admin_addr",
                format!("127.0.0.1:{}", kind.default_admin_port()),
            )
            .load_with_section::<RuntimeSettings, S>(kind.section(), &sections)?;
        let (runtime, service) = loaded.settings;
        Ok((Self { runtime, service }, loaded.warnings))
    }
}

/// The settings of a service that has no section of its own yet.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct NoSettings {}

impl Validate for NoSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}
