//! The Cedar policies every process decides with locally, kept in step with the auth service.
//!
//! Every process starts with the policies shipped in `nexus-policy` (revision 0), so it can
//! decide before the auth service answers. The `policy_sync` worker then fetches the published
//! set (`GET {policies.auth_url}/internal/v1/policies/active`) at start, whenever a
//! `PoliciesPublished` event arrives over Redis pub/sub, and every `resync_interval` as a safety
//! net (pub/sub may drop a message while a subscriber reconnects). [`LivePolicies`] only moves
//! forward, so late or repeated reloads are harmless.
//!
//! The auth service owns the policies and installs them itself from its database
//! ([`Resources::policies`](crate::Resources::policies)); it runs no sync worker.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use nexus_bus::Bus;
use nexus_client::{CallContext, ClientSettings, ServiceClient};
use nexus_config::Validate;
use nexus_policy::{LivePolicies, Policies, PolicySource};
use nexus_proto::Event;
use nexus_proto::auth::{ActivePolicies, PoliciesPublished};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::workers::WorkerResult;

/// The start-up gate's name for the published policies.
pub(crate) const PUBLISHED_POLICIES: &str = "published policies";

/// Where the auth service serves the published set.
pub const ACTIVE_POLICIES_PATH: &str = "/internal/v1/policies/active";

/// `[policies]`: where the published Cedar policies come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PolicySettings {
    /// The auth service's base URL; unset (or empty) means "decide with the shipped policies
    /// only". When set, the process is not ready, and answers requests that carry a token with
    /// 503 `auth_not_ready`, until the first fetch of the published set succeeds.
    #[serde(deserialize_with = "optional_url")]
    pub auth_url: Option<Url>,
    /// How often the set is fetched again even without an event.
    #[serde(with = "humantime_serde")]
    pub resync_interval: Duration,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            auth_url: Url::parse("http://127.0.0.1:8081").ok(),
            resync_interval: Duration::from_secs(60),
        }
    }
}

impl Validate for PolicySettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.resync_interval < Duration::from_secs(1) {
            problems.push("policies.resync_interval must be at least 1s".into());
        }
    }
}

/// An optional URL where an empty string (e.g. `NEXUS_POLICIES__AUTH_URL=`) means none, so an
/// environment variable can switch a default URL off.
pub(crate) fn optional_url<'de, D>(deserializer: D) -> Result<Option<Url>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let text: Option<String> = Option::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => Url::parse(url).map(Some).map_err(serde::de::Error::custom),
    }
}

/// Fetches the published set and installs it when it is newer than the one in use.
async fn reload(client: &ServiceClient, live: &LivePolicies) -> Result<(), String> {
    let active: ActivePolicies = client
        .get(&CallContext::none(), ACTIVE_POLICIES_PATH)
        .await
        .map_err(|error| nexus_http::error::cause_chain(&error))?;
    if active.version <= live.revision() {
        return Ok(());
    }
    let sources: Vec<PolicySource> = active
        .sources
        .into_iter()
        .map(|source| PolicySource::new(source.name, source.text))
        .collect();
    let policies =
        Policies::from_sources(&sources).map_err(|error| nexus_http::error::cause_chain(&error))?;
    if live.replace(active.version, policies) {
        tracing::info!(
            revision = active.version,
            "Installed the published Cedar policies."
        );
    }
    Ok(())
}

/// Keeps `live` in step with the auth service until `shutdown` (see the module docs).
pub(crate) async fn sync_policies(
    live: Arc<LivePolicies>,
    gate: Arc<nexus_http::startup_gate::StartupGate>,
    settings: PolicySettings,
    auth_url: Url,
    bus: Option<Bus>,
    client_settings: ClientSettings,
    shutdown: CancellationToken,
) -> WorkerResult {
    let origin = auth_url.as_str().trim_end_matches('/').to_owned();
    let client = ServiceClient::new(
        "nexus-auth",
        &origin,
        crate::tokens::background_client(client_settings),
    )
    .map_err(|error| {
        format!(
            "cannot build the policy client for {auth_url}: {}",
            nexus_http::error::cause_chain(&error)
        )
    })?;
    loop {
        // Subscribe before fetching, so a publication between the two is not missed.
        let mut subscribe_failed = false;
        let mut events = match &bus {
            Some(bus) => match bus.subscribe(&[PoliciesPublished::STREAM]).await {
                Ok(subscription) => Some(subscription),
                Err(error) => {
                    tracing::warn!(error = %error, "Subscribing to policy publications failed; trying again in a second.");
                    subscribe_failed = true;
                    None
                }
            },
            None => None,
        };
        let fetched = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            fetched = reload(&client, &live) => fetched,
        };
        // Until the first fetch lands, retry soon rather than after a whole resync interval.
        let retry_soon = fetched.is_err() && !gate.is_open();
        match fetched {
            Ok(()) => gate.satisfy(PUBLISHED_POLICIES),
            Err(error) => {
                tracing::warn!(error = %error, "Fetching the published policies failed; deciding with the current set.");
            }
        }
        let next_event = async {
            match events.as_mut() {
                Some(events) => {
                    if events.next().await.is_none() {
                        // The subscription dropped: pause, then subscribe and fetch again.
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                None => std::future::pending().await,
            }
        };
        // A failed subscription is tried again soon: waiting a whole resync interval would
        // leave every publication until then unseen.
        let pause = if retry_soon {
            Duration::from_millis(250)
        } else if subscribe_failed {
            Duration::from_secs(1).min(settings.resync_interval)
        } else {
            settings.resync_interval
        };
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(pause) => {}
            () = next_event => {}
        }
    }
}
