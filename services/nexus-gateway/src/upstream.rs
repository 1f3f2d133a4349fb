//! The upstream services: one shared HTTP/1.1 connection pool (hyper, kept-alive), one circuit
//! breaker per upstream, per-route timeouts and retries of idempotent requests without a body.
//!
//! Why hyper and not reqwest here: the proxy path is the gateway's hot loop, and reqwest's URL
//! parsing (with IDNA), redirect and retry layers cost ~10% of a proxied request. The gateway's
//! other calls (OpenAPI documents) keep using reqwest.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::Stream;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::Body as _;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use nexus_client::CircuitBreaker;

use crate::error::GatewayError;
use crate::metrics::GatewayMetrics;

/// A request body on its way upstream.
pub type UpstreamBody = BoxBody<Bytes, std::io::Error>;

/// One upstream service.
#[derive(Debug)]
pub struct Upstream {
    /// Its name in the settings (`auth`, `bounty`, ...).
    pub name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    scheme: Scheme,
    authority: Authority,
    /// A path the base URL carries (`/prefix`), prepended to every request path.
    base_path: String,
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
    pub body: Option<UpstreamBody>,
    /// Time allowed for the response headers.
    pub timeout: Duration,
}

/// The upstream's answer: status, headers and a body whose chunks must each arrive within the
/// read timeout.
pub type UpstreamResponse = http::Response<IdleTimeoutBody>;

/// Retry schedule and the shared clients.
#[derive(Debug, Clone)]
pub struct Forwarder {
    proxy: Client<HttpConnector, UpstreamBody>,
    http: reqwest::Client,
    read_timeout: Duration,
    retries: u32,
    metrics: GatewayMetrics,
}

impl Upstream {
    /// An upstream at `base_url` (an `http://` URL, checked by the settings) with a fresh
    /// (closed) breaker.
    pub fn new(
        name: &str,
        base_url: &url::Url,
        threshold: u32,
        open_for: Duration,
    ) -> Result<Self, String> {
        let host = base_url
            .host_str()
            .ok_or_else(|| format!("upstream {name}: {base_url} has no host"))?;
        let authority = match base_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            name: name.to_owned(),
            base_url: base_url.as_str().trim_end_matches('/').to_owned(),
            scheme: Scheme::HTTP,
            authority: Authority::try_from(authority.as_str())
                .map_err(|error| format!("upstream {name}: {error}"))?,
            base_path: base_url.path().trim_end_matches('/').to_owned(),
            breaker: CircuitBreaker::new(threshold, open_for),
        })
    }

    fn uri(&self, path_and_query: &str) -> Result<Uri, http::Error> {
        let path_and_query = if self.base_path.is_empty() {
            PathAndQuery::try_from(path_and_query)?
        } else {
            PathAndQuery::try_from(format!("{}{path_and_query}", self.base_path))?
        };
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
    }
}

/// Statuses that mean "the upstream is unavailable" (they count against the breaker and are
/// retried for idempotent requests); a 500 is a bug in one request, not an outage. Failures the
/// client caused (its body broke off, or was still arriving at the timeout) never count.
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
    /// The shared clients: no environment proxies, no redirects followed, connections kept
    /// alive; `read_timeout` bounds the wait for each chunk of a response body (so long
    /// downloads are fine while data flows).
    pub fn new(
        read_timeout: Duration,
        retries: u32,
        metrics: GatewayMetrics,
    ) -> Result<Self, reqwest::Error> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        connector.set_nodelay(true);
        let proxy = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build(connector);
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .read_timeout(read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            proxy,
            http,
            read_timeout,
            retries,
            metrics,
        })
    }

    /// The reqwest client, for the gateway's own calls.
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
    ) -> Result<UpstreamResponse, GatewayError> {
        let uri = upstream.uri(&outgoing.path_and_query).map_err(|error| {
            GatewayError::UpstreamFailed {
                upstream: upstream.name.clone(),
                detail: format!("the request path cannot be forwarded: {error}"),
            }
        })?;
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
            // Watch the client's body: when it breaks off (an aborted upload) or is still
            // arriving at the timeout (a slow client), the failure is the client's, and must
            // not count against the upstream's breaker.
            let watch = Arc::new(BodyWatch::default());
            let body = match outgoing.body.take() {
                Some(body) => WatchedBody {
                    inner: body,
                    watch: Arc::clone(&watch),
                }
                .boxed(),
                None => {
                    watch.finished.store(true, Ordering::Relaxed);
                    empty_body()
                }
            };
            let mut request = http::Request::new(body);
            *request.method_mut() = outgoing.method.clone();
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = if attempt == attempts {
                std::mem::take(&mut outgoing.headers)
            } else {
                outgoing.headers.clone()
            };
            let error = match tokio::time::timeout(outgoing.timeout, self.proxy.request(request))
                .await
            {
                Ok(Ok(response)) if is_unavailable(response.status()) => {
                    permit.failed();
                    if attempt == attempts {
                        return Ok(self.wrap(response));
                    }
                    GatewayError::UpstreamFailed {
                        upstream: upstream.name.clone(),
                        detail: format!("answered {}", response.status()),
                    }
                }
                Ok(Ok(response)) => {
                    permit.succeeded();
                    return Ok(self.wrap(response));
                }
                Ok(Err(error)) => {
                    if watch.client_failed() {
                        // The client's fault: the permit is dropped unreported.
                        tracing::info!(upstream = %upstream.name, "The client's request body broke off; not counted against the upstream.");
                        drop(permit);
                    } else {
                        permit.failed();
                    }
                    GatewayError::UpstreamFailed {
                        upstream: upstream.name.clone(),
                        detail: nexus_http::error::cause_chain(&error),
                    }
                }
                Err(_elapsed) => {
                    if watch.client_failed() || !watch.finished.load(Ordering::Relaxed) {
                        // Still waiting for the client's body: the client is slow.
                        tracing::info!(upstream = %upstream.name, "The client's request body was still arriving at the timeout; not counted against the upstream.");
                        drop(permit);
                    } else {
                        permit.failed();
                    }
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

    fn wrap(&self, response: http::Response<hyper::body::Incoming>) -> UpstreamResponse {
        response.map(|body| IdleTimeoutBody {
            body,
            timeout: self.read_timeout,
            sleep: None,
        })
    }
}

/// What became of a client's request body on its way upstream.
#[derive(Debug, Default)]
struct BodyWatch {
    /// The body ended cleanly (or there was none).
    finished: AtomicBool,
    /// Reading the client's body failed (aborted, or over the size limit).
    errored: AtomicBool,
}

impl BodyWatch {
    fn client_failed(&self) -> bool {
        self.errored.load(Ordering::Relaxed)
    }
}

/// The client's body, passed through, recording how it ended.
struct WatchedBody {
    inner: UpstreamBody,
    watch: Arc<BodyWatch>,
}

impl hyper::body::Body for WatchedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(context);
        match &polled {
            Poll::Ready(None) => self.watch.finished.store(true, Ordering::Relaxed),
            Poll::Ready(Some(Err(_))) => self.watch.errored.store(true, Ordering::Relaxed),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => {
                self.watch.finished.store(true, Ordering::Relaxed);
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

fn empty_body() -> UpstreamBody {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A response body whose chunks must each arrive within `timeout` of asking for them; a
/// stalled upstream fails the download instead of holding the connection forever.
#[derive(Debug)]
pub struct IdleTimeoutBody {
    body: hyper::body::Incoming,
    timeout: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl IdleTimeoutBody {
    /// The body's length, when the upstream declared it.
    pub fn exact_length(&self) -> Option<u64> {
        hyper::body::Body::size_hint(&self.body).exact()
    }
}

impl Stream for IdleTimeoutBody {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.body).poll_frame(context) {
                Poll::Ready(Some(Ok(frame))) => {
                    self.sleep = None;
                    match frame.into_data() {
                        Ok(data) => return Poll::Ready(Some(Ok(data))),
                        Err(_trailers) => continue,
                    }
                }
                Poll::Ready(Some(Err(error))) => {
                    self.sleep = None;
                    return Poll::Ready(Some(Err(std::io::Error::other(error))));
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {
                    let timeout = self.timeout;
                    let sleep = self
                        .sleep
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                    return match sleep.as_mut().poll(context) {
                        Poll::Ready(()) => {
                            self.sleep = None;
                            Poll::Ready(Some(Err(std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "the upstream stopped sending the response body",
                            ))))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}
