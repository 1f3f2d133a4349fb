//! `[gateway]`: upstreams, the route table, authentication caches, rate limits, CORS and the
//! WebSocket hub. Every field has a default that matches the local port plan (docs/README).

use std::collections::BTreeMap;
use std::time::Duration;

use nexus_config::Validate;
use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisCompleted, AnalysisProgress};
use serde::Deserialize;
use url::Url;

use crate::domain::headers::IpRange;

/// The gateway's own settings section (`NEXUS_GATEWAY__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GatewaySettings {
    /// Base URL of each upstream service by name (`auth`, `user`, `analysis`, ...).
    pub upstreams: BTreeMap<String, Url>,
    /// The public routes: `/api<prefix>/...` goes to `upstream` as `<prefix>/...`.
    pub routes: Vec<RouteSettings>,
    /// Time allowed for an upstream to send its response headers when a route sets none.
    #[serde(with = "humantime_serde")]
    pub default_timeout: Duration,
    /// Longest pause between two chunks of an upstream response body before it is cut.
    #[serde(with = "humantime_serde")]
    pub read_timeout: Duration,
    /// Retries of idempotent requests without a body after a connect failure or a 502/503/504.
    pub retries: u32,
    /// Consecutive failures (transport errors, timeouts, 502/503/504) that open an upstream's
    /// circuit.
    pub breaker_failure_threshold: u32,
    /// How long an open circuit answers 503 before one trial request goes through.
    #[serde(with = "humantime_serde")]
    pub breaker_open_duration: Duration,
    /// Largest request body a route accepts when it sets none.
    pub default_max_body_bytes: u64,
    /// The auth service (API-key introspection); a name in `upstreams`.
    pub auth_upstream: String,
    /// The user service (WebSocket key look-ups); a name in `upstreams`.
    pub user_upstream: String,
    /// How long an API-key introspection answer is reused (capped by the token's lifetime).
    #[serde(with = "humantime_serde")]
    pub api_key_cache_ttl: Duration,
    /// Most API keys remembered at once.
    pub api_key_cache_entries: usize,
    /// Proxies whose `X-Forwarded-For` is trusted, as single addresses (`192.0.2.7`) or CIDR
    /// ranges (`10.0.0.0/8`, `fd00::/8`): behind ingress-nginx, the pod network its controller
    /// runs in. For any other peer the peer address is the client and a sent
    /// `X-Forwarded-For` is replaced; from a trusted one, the client is the right-most entry
    /// that is not itself trusted. A malformed entry stops the start.
    pub trusted_proxies: Vec<IpRange>,
    /// Per-address, per-account and per-tier GCRA quotas (`[gateway.rate_limit]`).
    pub rate_limit: RateLimitSettings,
    /// Origins allowed by CORS (exact `scheme://host[:port]`); empty allows none.
    pub cors_allowed_origins: Vec<String>,
    /// `Strict-Transport-Security` max-age; 0 leaves the header out (plain-HTTP dev set-ups).
    pub hsts_max_age_seconds: u64,
    /// The WebSocket hub.
    pub ws: WsSettings,
    /// How this instance keeps its copy of the revoked accounts and API keys
    /// (`nexus_runtime::revocation`).
    pub revocation: nexus_runtime::revocation::RevocationSettings,
    /// The web dashboard served at `/` (`[gateway.dashboard]`).
    pub dashboard: DashboardSettings,
}

/// `[gateway.dashboard]`: where the built dashboard is (`routes::dashboard`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DashboardSettings {
    /// The directory `vite build` wrote (`index.html` and `assets/`); relative paths are from the
    /// working directory. Without an `index.html` there the dashboard is off (logged at start).
    pub dir: std::path::PathBuf,
}

impl Default for DashboardSettings {
    fn default() -> Self {
        Self {
            dir: std::path::PathBuf::from("dashboard/dist"),
        }
    }
}

/// One entry of the route table.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RouteSettings {
    /// Path prefix after `/api`, on a segment boundary, e.g. `/v1/bounties`.
    pub prefix: String,
    /// Name of the upstream in `upstreams`.
    pub upstream: String,
    /// Time allowed for the upstream's response headers (default: `default_timeout`).
    #[serde(default, with = "humantime_serde")]
    pub timeout: Option<Duration>,
    /// Largest request body (default: `default_max_body_bytes`).
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
}

/// GCRA limits: `requests` per `period`, with bursts up to `burst`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct Quota {
    /// Sustained requests per period.
    pub requests: u32,
    /// Time over which `requests` are allowed, as humantime (`1m`, `10s`).
    #[serde(with = "humantime_serde")]
    pub period: Duration,
    /// Requests that may arrive at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl Quota {
    /// `requests` per minute with a burst of `burst`.
    pub const fn per_minute(requests: u32, burst: u32) -> Self {
        Self {
            requests,
            period: Duration::from_secs(60),
            burst,
        }
    }
}

/// `[gateway.rate_limit]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Turns rate limiting off (benchmarks of the proxy path alone).
    pub enabled: bool,
    /// Every client address.
    pub per_ip: Quota,
    /// WebSocket upgrades (`GET /ws`) per client address, counted apart from `per_ip`: a
    /// connection is long-lived and costs a sign-in, so reconnect storms are bounded here.
    pub ws_connects_per_ip: Quota,
    /// Requests whose credential fails (bad or revoked token, unknown API key) per client
    /// address; past it they are refused with 429 before any introspection call.
    pub auth_failures_per_ip: Quota,
    /// Signed-in callers, by role name (`user`, `analyst`, `admin`); guests have only `per_ip`.
    pub per_role: BTreeMap<String, Quota>,
    /// API-key callers, by the key's tier (from introspection); unknown tiers use `default`.
    pub per_api_key_tier: BTreeMap<String, Quota>,
    /// Longest wait for Redis before the local fallback limiter decides.
    #[serde(with = "humantime_serde")]
    pub redis_timeout: Duration,
}

/// `[gateway.ws]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WsSettings {
    /// Time a new connection has to sign in.
    #[serde(with = "humantime_serde")]
    pub auth_timeout: Duration,
    /// Accepted distance between a signed timestamp and the gateway's clock.
    #[serde(with = "humantime_serde")]
    pub max_clock_skew: Duration,
    /// Interval of server pings.
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    /// A connection silent for this long is closed.
    #[serde(with = "humantime_serde")]
    pub client_timeout: Duration,
    /// Messages queued for one connection before it counts as a slow consumer.
    pub send_queue: usize,
    /// Pause between a failed sign-in's error message and the close.
    #[serde(with = "humantime_serde")]
    pub close_delay: Duration,
    /// Largest message a client may send.
    pub max_message_bytes: usize,
    /// Topics one connection may be subscribed to at once.
    pub max_subscriptions: usize,
    /// Subscribe requests one connection may make per minute (each may cost a policy decision
    /// and a question to the owning service).
    pub subscribes_per_minute: u32,
    /// How often a session signed in with an Ed25519 key asks the user service whether the key
    /// (and its account) is still active; closes it otherwise.
    #[serde(with = "humantime_serde")]
    pub key_recheck_interval: Duration,
    /// Streams feeding `bounties` and `bounty:{id}` (by `bounty_id`).
    pub bounty_streams: Vec<String>,
    /// Streams feeding `analysis:{id}` (by `analysis_id`).
    pub analysis_streams: Vec<String>,
    /// Streams feeding each user's own `user` topic (by `user_id` or `recipient`).
    pub user_streams: Vec<String>,
    /// Streams feeding `leaderboard`.
    pub leaderboard_streams: Vec<String>,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        let upstreams = [
            ("auth", 8081),
            ("analysis", 8082),
            ("bounty", 8083),
            ("user", 8084),
            ("reputation", 8085),
            ("notification", 8086),
            ("scanner", 8087),
            ("chain", 8088),
        ]
        .into_iter()
        .filter_map(|(name, port)| {
            Url::parse(&format!("http://127.0.0.1:{port}"))
                .ok()
                .map(|url| (name.to_owned(), url))
        })
        .collect();
        let route = |prefix: &str, upstream: &str| RouteSettings {
            prefix: prefix.to_owned(),
            upstream: upstream.to_owned(),
            timeout: None,
            max_body_bytes: None,
        };
        let mut routes = vec![
            route("/v1/auth", "auth"),
            // The seed's name for registering (`POST /v1/users` at the user service).
            route("/v1/auth/register", "user"),
            route("/v1/api-keys", "auth"),
            route("/v1/authorize", "auth"),
            route("/v1/policies", "auth"),
            route("/v1/audit", "auth"),
            route("/v1/users", "user"),
            route("/v1/analyses", "analysis"),
            route("/v1/rulesets", "analysis"),
            route("/v1/retrohunts", "analysis"),
            route("/v1/bounties", "bounty"),
            // An account's own bounty views (the bounty service's `/v1/me/*`).
            route("/v1/me/bounties", "bounty"),
            route("/v1/me/assertions", "bounty"),
            route("/v1/me/earnings", "bounty"),
            route("/v1/reputation", "reputation"),
            route("/v1/leaderboards", "reputation"),
            // Longer than analysis' `/v1/files` below, so it wins for this one path.
            route("/v1/files/*/verdict", "reputation"),
            // Following a file (verdict-changed notices), also longer than `/v1/files`.
            route("/v1/files/*/follow", "notification"),
            route("/v1/notifications", "notification"),
            route("/v1/webhooks", "notification"),
            route("/v1/scans", "scanner"),
            route("/v1/chain", "chain"),
        ];
        // Samples are large: a long upload window and a 256 MiB body (64 KiB more for the
        // multipart form's framing at `/v1/analyze`, the seed's upload).
        for (prefix, framing) in [("/v1/files", 0), ("/v1/analyze", 64 * 1024)] {
            routes.push(RouteSettings {
                prefix: prefix.to_owned(),
                upstream: "analysis".to_owned(),
                timeout: Some(Duration::from_secs(300)),
                max_body_bytes: Some(256 * 1024 * 1024 + framing),
            });
        }
        Self {
            upstreams,
            routes,
            default_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            retries: 2,
            breaker_failure_threshold: 5,
            breaker_open_duration: Duration::from_secs(10),
            default_max_body_bytes: 1024 * 1024,
            auth_upstream: "auth".to_owned(),
            user_upstream: "user".to_owned(),
            api_key_cache_ttl: Duration::from_secs(30),
            api_key_cache_entries: 10_000,
            trusted_proxies: Vec::new(),
            rate_limit: RateLimitSettings::default(),
            cors_allowed_origins: vec!["http://localhost:3000".to_owned()],
            hsts_max_age_seconds: 31_536_000,
            ws: WsSettings::default(),
            revocation: nexus_runtime::revocation::RevocationSettings::default(),
            dashboard: DashboardSettings::default(),
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let per_role = [
            ("user", Quota::per_minute(600, 60)),
            ("analyst", Quota::per_minute(1200, 120)),
            ("admin", Quota::per_minute(3000, 300)),
        ];
        // One quota per tier nexus-auth issues (nexus_proto::auth::API_KEY_TIERS); `default`
        // covers a tier this gateway does not know yet.
        let per_api_key_tier = [
            ("default", Quota::per_minute(600, 60)),
            ("standard", Quota::per_minute(600, 60)),
            ("engine", Quota::per_minute(3000, 300)),
            ("unlimited", Quota::per_minute(12_000, 1200)),
        ];
        Self {
            enabled: true,
            per_ip: Quota::per_minute(1200, 120),
            ws_connects_per_ip: Quota::per_minute(60, 20),
            auth_failures_per_ip: Quota::per_minute(60, 20),
            per_role: per_role
                .into_iter()
                .map(|(name, quota)| (name.to_owned(), quota))
                .collect(),
            per_api_key_tier: per_api_key_tier
                .into_iter()
                .map(|(name, quota)| (name.to_owned(), quota))
                .collect(),
            redis_timeout: Duration::from_millis(100),
        }
    }
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            auth_timeout: Duration::from_secs(10),
            max_clock_skew: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(15),
            client_timeout: Duration::from_secs(45),
            send_queue: 256,
            close_delay: Duration::from_millis(250),
            max_message_bytes: 64 * 1024,
            max_subscriptions: 64,
            subscribes_per_minute: 120,
            key_recheck_interval: Duration::from_secs(60),
            bounty_streams: vec![nexus_proto::bounty::EVENTS_STREAM.to_owned()],
            analysis_streams: vec![
                AnalysisProgress::STREAM.to_owned(),
                AnalysisCompleted::STREAM.to_owned(),
            ],
            // The bounty stream carries `EarningsChanged` with `user_id` (`user:{id}`), the
            // reputation stream `ReputationChanged` and `TrustLevelChanged`.
            user_streams: vec![
                nexus_proto::notification::EVENTS_STREAM.to_owned(),
                nexus_proto::bounty::EVENTS_STREAM.to_owned(),
                nexus_proto::reputation::EVENTS_STREAM.to_owned(),
            ],
            leaderboard_streams: vec![nexus_proto::reputation::EVENTS_STREAM.to_owned()],
        }
    }
}

impl Validate for GatewaySettings {
    fn validate(&self, problems: &mut Vec<String>) {
        for route in &self.routes {
            if !route.prefix.starts_with("/v1/") || route.prefix.ends_with('/') {
                problems.push(format!(
                    "gateway.routes: prefix {:?} must start with /v1/ and not end with /",
                    route.prefix
                ));
            }
            if route.prefix.starts_with("/internal") || route.prefix.contains("..") {
                problems.push(format!(
                    "gateway.routes: prefix {:?} may not reach internal paths",
                    route.prefix
                ));
            }
            if !self.upstreams.contains_key(&route.upstream) {
                problems.push(format!(
                    "gateway.routes: prefix {:?} names the unknown upstream {:?}",
                    route.prefix, route.upstream
                ));
            }
        }
        for (name, url) in &self.upstreams {
            if url.scheme() != "http" || url.host_str().is_none() {
                problems.push(format!(
                    "gateway.upstreams.{name}: {url} must be an http:// URL with a host (services are reached inside the cluster; TLS ends at the ingress or the mesh)"
                ));
            }
        }
        for name in [&self.auth_upstream, &self.user_upstream] {
            if !self.upstreams.contains_key(name) {
                problems.push(format!("gateway: upstream {name:?} is not configured"));
            }
        }
        if !(1..=10_000).contains(&self.ws.max_subscriptions) {
            problems.push("gateway.ws.max_subscriptions must be between 1 and 10000".into());
        }
        if self.ws.subscribes_per_minute == 0 {
            problems.push("gateway.ws.subscribes_per_minute must be at least 1".into());
        }
        if self.ws.key_recheck_interval < Duration::from_secs(1) {
            problems.push("gateway.ws.key_recheck_interval must be at least 1s".into());
        }
        if self.breaker_failure_threshold == 0 {
            problems.push("gateway.breaker_failure_threshold must be at least 1".into());
        }
        if self.default_timeout.is_zero() || self.read_timeout.is_zero() {
            problems.push("gateway.default_timeout and read_timeout must be positive".into());
        }
        let quotas = [
            ("per_ip", &self.rate_limit.per_ip),
            ("ws_connects_per_ip", &self.rate_limit.ws_connects_per_ip),
            (
                "auth_failures_per_ip",
                &self.rate_limit.auth_failures_per_ip,
            ),
        ]
        .into_iter()
        .chain(
            self.rate_limit
                .per_role
                .iter()
                .map(|(k, q)| (k.as_str(), q)),
        )
        .chain(
            self.rate_limit
                .per_api_key_tier
                .iter()
                .map(|(k, q)| (k.as_str(), q)),
        );
        for (name, quota) in quotas {
            if quota.requests == 0 || quota.burst == 0 || quota.period.is_zero() {
                problems.push(format!(
                    "gateway.rate_limit.{name}: requests, burst and period must be positive"
                ));
            }
        }
        problems.extend(self.revocation.problems("gateway.revocation"));
        if self.ws.send_queue == 0 {
            problems.push("gateway.ws.send_queue must be at least 1".into());
        }
        for origin in &self.cors_allowed_origins {
            if Url::parse(origin).is_err() || origin.ends_with('/') {
                problems.push(format!(
                    "gateway.cors_allowed_origins: {origin:?} is not an origin like https://app.example"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_nexus_auth_issues_has_its_own_quota() {
        let settings = GatewaySettings::default();
        for tier in nexus_proto::auth::API_KEY_TIERS {
            assert!(
                settings.rate_limit.per_api_key_tier.contains_key(tier),
                "no quota for the {tier} tier: its keys would fall back to the default"
            );
        }
    }

    #[test]
    fn a_misspelt_rate_limit_key_stops_the_start_instead_of_leaving_the_default() {
        let path = std::env::temp_dir().join(format!("nexus-{}.toml", uuid::Uuid::now_v7()));
        std::fs::write(&path, "[gateway.rate_limit]\nenabeld = false\n").unwrap();
        let loaded = nexus_runtime::Settings::<GatewaySettings>::load(
            nexus_config::ServiceKind::Gateway,
            nexus_config::ConfigSource::defaults_only().with_file(&path),
        );
        std::fs::remove_file(&path).unwrap();

        let error = loaded.unwrap_err();
        assert_eq!(error.code(), "config_invalid");
        assert!(
            error.to_string().contains("gateway.rate_limit.enabeld"),
            "{error}"
        );
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges_and_a_bad_entry_stops_the_start() {
        let load = |toml: &str| {
            let path = std::env::temp_dir().join(format!("nexus-{}.toml", uuid::Uuid::now_v7()));
            std::fs::write(&path, toml).unwrap();
            let loaded = nexus_runtime::Settings::<GatewaySettings>::load(
                nexus_config::ServiceKind::Gateway,
                nexus_config::ConfigSource::defaults_only().with_file(&path),
            );
            std::fs::remove_file(&path).unwrap();
            loaded
        };
        let loaded =
            load("[gateway]\ntrusted_proxies = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.7\"]\n")
                .unwrap();
        let shown: Vec<String> = loaded
            .0
            .service
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);

        let error = load("[gateway]\ntrusted_proxies = [\"10.0.0.1/8\"]\n").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("did you mean 10.0.0.0/8?"), "{message}");
        assert!(message.contains("trusted_proxies"), "{message}");
    }

    #[test]
    fn defaults_are_valid() {
        let mut problems = Vec::new();
        GatewaySettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn routes_to_internal_paths_or_unknown_upstreams_are_refused() {
        let mut settings = GatewaySettings::default();
        settings.routes.push(RouteSettings {
            prefix: "/internal/v1".into(),
            upstream: "nowhere".into(),
            timeout: None,
            max_body_bytes: None,
        });
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn upstreams_must_be_plain_http_urls() {
        let mut settings = GatewaySettings::default();
        settings.upstreams.insert(
            "bounty".into(),
            Url::parse("https://bounty.internal").unwrap(),
        );
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("gateway.upstreams.bounty"));
    }
}
