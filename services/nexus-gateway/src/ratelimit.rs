//! Rate limits in Redis: GCRA over every key of a request (client address, then principal or
//! API key) in one Lua script, so a decision is atomic and costs one round trip.
//!
//! When Redis fails or is slower than `rate_limit.redis_timeout`, the gateway **fails open to a
//! local limiter**: the same GCRA in process memory, per instance. Requests keep flowing (a
//! rate-limit outage must not become an API outage), abuse is still bounded per instance, and
//! every such decision is counted in `nexus_gateway_rate_limit_fallback_total` and logged (at
//! most every 10 s).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{HeaderName, HeaderValue};
use nexus_bus::{Bus, KeyNamespace};
use nexus_core::{ApiKeyTier, Role};

use crate::auth::Caller;
use crate::domain::gcra::{GcraOutcome, GcraParams, LocalLimiter};
use crate::metrics::GatewayMetrics;
use crate::settings::RateLimitSettings;

/// KEYS: the limited keys; ARGV: emission interval and tolerance (ms) per key. Returns
/// `{allowed, binding key index (0-based), remaining, reset_after_ms, retry_after_ms}`; keys are
/// charged only when every one allows. Mirrors `domain::gcra::decide` and `decide_all`.
const GCRA_SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local refused = false
local binding, remaining, reset, retry = 1, -1, 0, 0
local new_tats = {}
for i = 1, #KEYS do
  local emission = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + emission
  local allow_at = new_tat - tolerance
  if allow_at > now then
    if (not refused) or (allow_at - now > retry) then
      binding, remaining, reset, retry = i, 0, tat - now, allow_at - now
    end
    refused = true
  else
    new_tats[i] = new_tat
    if not refused then
      local left = math.floor((tolerance - (new_tat - now)) / emission)
      if remaining < 0 or left < remaining then
        binding, remaining, reset = i, left, new_tat - now
      end
    end
  end
end
if refused then
  return {0, binding - 1, 0, reset, retry}
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], new_tats[i], 'PX', math.max(new_tats[i] - now, 1))
end
return {1, binding - 1, remaining, reset, 0}
";

/// KEYS[1]: a GCRA key; ARGV: emission interval and tolerance (ms). Returns the ms until a
/// request would be allowed (0 when it would be now) without charging anything.
const GCRA_PEEK_SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + tonumber(ARGV[1]) - tonumber(ARGV[2])
if allow_at > now then return allow_at - now end
return 0
";

/// The outcome of one request's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// The request may go through.
    pub allowed: bool,
    /// The binding key's scope: `ip` or `principal`.
    pub scope: &'static str,
    /// The binding key's burst (`RateLimit-Limit`).
    pub limit: u32,
    /// Requests left right now (`RateLimit-Remaining`).
    pub remaining: u32,
    /// Until the binding key is full again (`RateLimit-Reset`, whole seconds).
    pub reset_after: Duration,
    /// When a refused request may be retried.
    pub retry_after: Duration,
}

impl RateDecision {
    /// The `RateLimit-*` response headers.
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let reset = self.reset_after.as_millis().div_ceil(1000);
        [
            ("ratelimit-limit", u128::from(self.limit)),
            ("ratelimit-remaining", u128::from(self.remaining)),
            ("ratelimit-reset", reset),
        ]
        .into_iter()
        .map(|(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from(u64::try_from(value).unwrap_or(u64::MAX)),
            )
        })
        .collect()
    }
}

/// The shared limiter.
#[derive(Clone)]
pub struct RateLimiter {
    settings: Arc<RateLimitSettings>,
    bus: Bus,
    /// `nexus:gateway:`; the limits' keys are `rl:<scope>:<who>` in it.
    keys: KeyNamespace,
    script: Arc<redis::Script>,
    peek_script: Arc<redis::Script>,
    local: Arc<LocalLimiter>,
    metrics: GatewayMetrics,
    last_warning_ms: Arc<AtomicU64>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

impl RateLimiter {
    /// A limiter on `bus`'s Redis (keys in the gateway's namespace).
    pub fn new(settings: RateLimitSettings, bus: Bus, metrics: GatewayMetrics) -> Self {
        Self {
            settings: Arc::new(settings),
            keys: bus.keys().namespace(crate::REDIS_NAMESPACE),
            bus,
            script: Arc::new(redis::Script::new(GCRA_SCRIPT)),
            peek_script: Arc::new(redis::Script::new(GCRA_PEEK_SCRIPT)),
            local: Arc::default(),
            metrics,
            last_warning_ms: Arc::default(),
        }
    }

    /// The keys and quotas that apply to a request from `ip` by `caller`.
    fn keys(&self, ip: IpAddr, caller: &Caller) -> Vec<(String, GcraParams, &'static str)> {
        let mut keys = vec![(
            self.keys.key(&format!("rl:ip:{ip}")),
            GcraParams::from(self.settings.per_ip),
            "ip",
        )];
        if let Caller::User(identity) = caller {
            let (key, quota) = match &identity.api_key {
                Some(api_key) => (
                    format!("rl:key:{}", api_key.key_id),
                    self.settings
                        .per_api_key_tier
                        .get(api_key.tier.map_or("default", ApiKeyTier::as_str))
                        .or_else(|| self.settings.per_api_key_tier.get("default")),
                ),
                None => (
                    format!("rl:user:{}", identity.claims.sub),
                    self.settings
                        .per_role
                        .get(identity.role.as_str())
                        .or_else(|| self.settings.per_role.get(Role::User.as_str())),
                ),
            };
            if let Some(quota) = quota {
                keys.push((self.keys.key(&key), GcraParams::from(*quota), "principal"));
            }
        }
        keys
    }

    /// Checks and charges a request; `None` when rate limiting is off.
    pub async fn check(&self, ip: IpAddr, caller: &Caller) -> Option<RateDecision> {
        if !self.settings.enabled {
            return None;
        }
        self.check_keys(self.keys(ip, caller)).await
    }

    /// Checks and charges a WebSocket upgrade from `ip` (its own quota, scope `ip`); `None`
    /// when rate limiting is off.
    pub async fn check_ws_connect(&self, ip: IpAddr) -> Option<RateDecision> {
        if !self.settings.enabled {
            return None;
        }
        let key = self.keys.key(&format!("rl:ws:{ip}"));
        let quota = GcraParams::from(self.settings.ws_connects_per_ip);
        self.check_keys(vec![(key, quota, "ip")]).await
    }

    fn auth_failure_key(&self, ip: IpAddr) -> String {
        self.keys.key(&format!("rl:authfail:{ip}"))
    }

    /// Charges a failed authentication from `ip` to its own quota (`auth_failures_per_ip`);
    /// a refused decision means the client is answered 429 instead of 401. `None` when rate
    /// limiting is off.
    pub async fn check_auth_failure(&self, ip: IpAddr) -> Option<RateDecision> {
        if !self.settings.enabled {
            return None;
        }
        let quota = GcraParams::from(self.settings.auth_failures_per_ip);
        self.check_keys(vec![(self.auth_failure_key(ip), quota, "ip")])
            .await
    }

    /// Whether `ip` has used up its failed-authentication quota, without charging it: checked
    /// before an API key is introspected, so a flood of random keys stops reaching the auth
    /// service. `None` when it has not (or when Redis does not answer in time: fail open, the
    /// failures are still charged and limited per instance).
    pub async fn auth_failures_exhausted(&self, ip: IpAddr) -> Option<RateDecision> {
        if !self.settings.enabled {
            return None;
        }
        let quota = self.settings.auth_failures_per_ip;
        let params = GcraParams::from(quota);
        let mut invocation = self.peek_script.prepare_invoke();
        invocation
            .key(self.auth_failure_key(ip))
            .arg(params.emission_interval_ms)
            .arg(params.tolerance_ms);
        let mut connection = self.bus.connection();
        let peek = invocation.invoke_async::<u64>(&mut connection);
        let retry_ms = match tokio::time::timeout(self.settings.redis_timeout, peek).await {
            Ok(Ok(retry_ms)) => retry_ms,
            Ok(Err(error)) => {
                self.fallback_warning(&error.to_string());
                return None;
            }
            Err(_elapsed) => return None,
        };
        (retry_ms > 0).then(|| {
            self.metrics.rate_limited("ip");
            RateDecision {
                allowed: false,
                scope: "ip",
                limit: quota.burst,
                remaining: 0,
                reset_after: Duration::from_millis(retry_ms),
                retry_after: Duration::from_millis(retry_ms),
            }
        })
    }

    async fn check_keys(
        &self,
        keys: Vec<(String, GcraParams, &'static str)>,
    ) -> Option<RateDecision> {
        let decision =
            match tokio::time::timeout(self.settings.redis_timeout, self.in_redis(&keys)).await {
                Ok(Ok(decision)) => Some(decision),
                Ok(Err(error)) => {
                    self.fallback_warning(&error.to_string());
                    None
                }
                Err(_elapsed) => {
                    self.fallback_warning("Redis did not answer within rate_limit.redis_timeout");
                    None
                }
            };
        let (index, outcome) = match decision {
            Some(decision) => decision,
            None => {
                self.metrics.rate_limit_fallback();
                let local_keys: Vec<(String, GcraParams)> = keys
                    .iter()
                    .map(|(key, params, _)| (key.clone(), *params))
                    .collect();
                self.local.check(&local_keys, now_ms())?
            }
        };
        let (_, params, scope) = keys.get(index)?;
        let decision = RateDecision {
            allowed: outcome.allowed,
            scope,
            limit: params.limit,
            remaining: outcome.remaining,
            reset_after: Duration::from_millis(outcome.reset_after_ms),
            retry_after: Duration::from_millis(outcome.retry_after_ms),
        };
        if !decision.allowed {
            self.metrics.rate_limited(scope);
        }
        Some(decision)
    }

    async fn in_redis(
        &self,
        keys: &[(String, GcraParams, &'static str)],
    ) -> Result<(usize, GcraOutcome), redis::RedisError> {
        let mut invocation = self.script.prepare_invoke();
        for (key, params, _) in keys {
            invocation
                .key(key)
                .arg(params.emission_interval_ms)
                .arg(params.tolerance_ms);
        }
        let (allowed, index, remaining, reset, retry): (u8, usize, u64, u64, u64) =
            invocation.invoke_async(&mut self.bus.connection()).await?;
        Ok((
            index,
            GcraOutcome {
                allowed: allowed == 1,
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
                reset_after_ms: reset,
                retry_after_ms: retry,
                new_tat_ms: 0,
            },
        ))
    }

    fn fallback_warning(&self, error: &str) {
        let now = now_ms();
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 10_000
            && self
                .last_warning_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(error = %error, "Rate limiting falls back to the local limiter because Redis failed.");
        }
    }
}
