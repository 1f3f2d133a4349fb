//! The upstream services: one shared HTTP connection pool, one circuit breaker per upstream,
//! per-route timeouts and retries of idempotent requests without a body.

use std::time::Duration;

use nexus_client::CircuitBreaker;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::error::GatewayError;
use crate::metrics::GatewayMetrics;

/// One upstream service.
#[derive(Debug)]
pub struct Upstream {
    /// Its name in the settings (`auth`, `bounty`, ...).
    pub name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    breaker: CircuitBreaker,
}

/// A request on its way to an upstream.
#[derive(Debug)]
pub struct Outgoing {
    /// The method.
    pub method: Method,
    /// Path and query after the base URL (`/v1/bounties?page=2`).
    pub path_and_query: String,
    /// Headers after hygiene.
    pub headers: HeaderMap,
    /// The streamed body, if the request has one.
    pub body: Option<reqwest::Body>,
    /// Time allowed for the response headers.
    pub timeout: Duration,
}

/// Retry schedule and the shared client.
#[derive(Debug, Clone)]
pub struct Forwarder {
    http: reqwest::Client,
    retries: u32,
    metrics: GatewayMetrics,
}

impl Upstream {
    /// An upstream at `base_url` with a fresh (closed) breaker.
    pub fn new(name: &str, base_url: &str, threshold: u32, open_for: Duration) -> Self {
        Self {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            breaker: CircuitBreaker::new(threshold, open_for),
        }
    }
}

/// Statuses that mean "the upstream is unavailable" (they count against the breaker and are
/// retried for idempotent requests); a 500 is a bug in one request, not an outage.
fn is_unavailable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Methods whose repetition cannot change the outcome (RFC 9110 §9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(method)
}

impl Forwarder {
    /// The shared client: no environment proxies, idle-read timeout `read_timeout` (per chunk,
    /// so long downloads are fine while data flows).
    pub fn new(
        read_timeout: Duration,
        retries: u32,
        metrics: GatewayMetrics,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(read_timeout)
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            retries,
            metrics,
        })
    }

    /// The shared client, for the gateway's own calls.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `outgoing` to `upstream` and returns the response once its headers arrived. Each
    /// attempt passes the breaker. Idempotent requests without a body are retried on connect
    /// errors, timeouts and 502/503/504; the last such answer is returned as it is.
    pub async fn send(
        &self,
        upstream: &Upstream,
        mut outgoing: Outgoing,
    ) -> Result<reqwest::Response, GatewayError> {
        let url = format!("{}{}", upstream.base_url, outgoing.path_and_query);
        let retryable = is_idempotent(&outgoing.method) && outgoing.body.is_none();
        let attempts = if retryable { self.retries + 1 } else { 1 };
        let mut last_error = None;
        for attempt in 1..=attempts {
            let permit = match upstream.breaker.try_acquire() {
                Ok(permit) => permit,
                Err(refused) => {
                    self.metrics.upstream_refused(&upstream.name);
                    return Err(last_error.unwrap_or(GatewayError::UpstreamUnavailable {
                        upstream: upstream.name.clone(),
                        retry_after: refused.retry_after.max(Duration::from_secs(1)),
                    }));
                }
            };
            let mut request = self
                .http
                .request(outgoing.method.clone(), &url)
                .headers(outgoing.headers.clone());
            if let Some(body) = outgoing.body.take() {
                request = request.body(body);
            }
            let error = match tokio::time::timeout(outgoing.timeout, request.send()).await {
                Ok(Ok(response)) if is_unavailable(response.status()) => {
                    permit.failed();
                    if attempt == attempts {
                        return Ok(response);
                    }
                    GatewayError::UpstreamFailed {
                        upstream: upstream.name.clone(),
                        detail: format!("answered {}", response.status()),
                    }
                }
                Ok(Ok(response)) => {
                    permit.succeeded();
                    return Ok(response);
                }
                Ok(Err(error)) => {
                    permit.failed();
                    if error.is_timeout() {
                        GatewayError::UpstreamTimeout {
                            upstream: upstream.name.clone(),
                        }
                    } else {
                        GatewayError::UpstreamFailed {
                            upstream: upstream.name.clone(),
                            detail: nexus_http::error::cause_chain(&error),
                        }
                    }
                }
                Err(_elapsed) => {
                    permit.failed();
                    GatewayError::UpstreamTimeout {
                        upstream: upstream.name.clone(),
                    }
                }
            };
            if attempt < attempts {
                self.metrics.upstream_retried(&upstream.name);
                let pause = Duration::from_millis(50 * u64::from(1_u32 << (attempt - 1).min(5)));
                tokio::time::sleep(pause).await;
            }
            last_error = Some(error);
        }
        Err(last_error.unwrap_or(GatewayError::UpstreamUnavailable {
            upstream: upstream.name.clone(),
            retry_after: Duration::from_secs(1),
        }))
    }
}
