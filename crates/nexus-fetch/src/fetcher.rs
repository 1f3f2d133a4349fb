//! The fetcher: checks each hop, connects only to the checked addresses, reads a capped body.

use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderValue};
use tokio::time::Instant;

use crate::destination::{self, Destination};
use crate::resolve::{NameResolver, RefusingResolver, SystemResolver};
use crate::{FetchError, FetchPolicy};

/// One outbound request.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// The HTTP method.
    pub method: http::Method,
    /// Where to send it; checked before anything is sent.
    pub url: url::Url,
    /// Headers to send (`User-Agent` is replaced by the policy's, `Host` comes from the URL).
    pub headers: http::HeaderMap,
    /// The request body (empty for none).
    pub body: Bytes,
}

/// The response of the last hop.
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The body, at most the policy's `max_response_bytes`.
    pub body: Bytes,
    /// Whether the body was cut at `max_response_bytes`.
    pub truncated: bool,
    /// Time from the start of `send` to the end of the body.
    pub elapsed: Duration,
    /// The checked address the last hop connected to.
    pub remote: SocketAddr,
    /// The URL of the last hop (differs from the request's after redirects).
    pub final_url: url::Url,
}

/// The SSRF-safe HTTP client. Cheap to clone.
///
/// Every hop gets an HTTP client of its own whose only addresses are the ones just checked, so
/// no connection is ever reused across hops or requests: a pooled connection would be correct
/// (it goes to a checked address) but would hide `remote` and keep sockets to user servers open.
#[derive(Clone)]
pub struct Fetcher {
    policy: Arc<FetchPolicy>,
    resolver: Arc<dyn NameResolver>,
    tls: Arc<rustls::ClientConfig>,
    user_agent: HeaderValue,
}

impl Fetcher {
    /// Builds a fetcher that resolves names with the system resolver.
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        Self::with_resolver(policy, Arc::new(SystemResolver))
    }

    /// Builds a fetcher that resolves names with `resolver` (tests map names to any address).
    pub fn with_resolver(
        policy: FetchPolicy,
        resolver: Arc<dyn NameResolver>,
    ) -> Result<Self, FetchError> {
        let invalid = |reason: String| FetchError::InvalidPolicy { reason };
        if policy.connect_timeout.is_zero() || policy.timeout.is_zero() {
            return Err(invalid("the timeouts must be above zero".to_owned()));
        }
        let user_agent = HeaderValue::from_str(&policy.user_agent)
            .map_err(|_| invalid("the user agent is not a valid header value".to_owned()))?;
        let tls = shared_tls_config().map_err(|reason| invalid(reason.clone()))?;
        Ok(Self {
            policy: Arc::new(policy),
            resolver,
            tls,
            user_agent,
        })
    }

    /// Checks a URL without sending anything (e.g. when a webhook endpoint is created): the
    /// scheme, userinfo, port, and every address the host resolves to. Returns those addresses.
    /// `send` checks again at send time; an answer here is no promise about later.
    pub async fn check_url(&self, url: &url::Url) -> Result<Vec<SocketAddr>, FetchError> {
        let destination = destination::check(url, &self.policy, self.resolver.as_ref()).await?;
        Ok(destination.addresses)
    }

    /// Sends the request, following redirects as the policy allows, within the policy's
    /// whole-request timeout.
    pub async fn send(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let started = Instant::now();
        tokio::time::timeout(self.policy.timeout, self.send_hops(request, started))
            .await
            .map_err(|_| FetchError::TimedOut)?
    }

    async fn send_hops(
        &self,
        mut request: FetchRequest,
        started: Instant,
    ) -> Result<FetchResponse, FetchError> {
        request.headers.remove(header::HOST);
        request.headers.remove(header::USER_AGENT);
        let mut redirects: u8 = 0;
        // A redirect's destination was checked when its Location was read; it is used as is.
        let mut checked: Option<Destination> = None;
        loop {
            let destination = match checked.take() {
                Some(destination) => destination,
                None => {
                    destination::check(&request.url, &self.policy, self.resolver.as_ref()).await?
                }
            };
            let mut response = self.send_once(&request, &destination).await?;
            let location = response.headers().get(header::LOCATION).cloned();
            if let (true, true, Some(location)) = (
                response.status().is_redirection(),
                self.policy.max_redirects > 0,
                location,
            ) {
                if redirects >= self.policy.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        max: self.policy.max_redirects,
                    });
                }
                redirects += 1;
                let (next, destination) = self.checked_location(&request.url, &location).await?;
                checked = Some(destination);
                redirect(&mut request, response.status(), next);
                continue;
            }
            let remote = response
                .remote_addr()
                .or_else(|| destination.addresses.first().copied())
                .ok_or_else(|| FetchError::ConnectFailed {
                    detail: "no remote address".to_owned(),
                })?;
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            let (body, truncated) =
                read_capped(&mut response, self.policy.max_response_bytes).await?;
            return Ok(FetchResponse {
                status,
                headers,
                body,
                truncated,
                elapsed: started.elapsed(),
                remote,
                final_url: request.url,
            });
        }
    }

    /// The next hop's URL and checked destination, refused with `redirect_forbidden` when the
    /// first URL could not have gone there.
    async fn checked_location(
        &self,
        current: &url::Url,
        location: &HeaderValue,
    ) -> Result<(url::Url, Destination), FetchError> {
        let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
        let refused = |reason: FetchError| FetchError::RedirectForbidden {
            location: text.clone(),
            reason: Box::new(reason),
        };
        let next = location
            .to_str()
            .ok()
            .and_then(|location| current.join(location).ok())
            .ok_or_else(|| {
                refused(FetchError::InvalidUrl {
                    reason: "the Location header is not a URL".to_owned(),
                })
            })?;
        match destination::check(&next, &self.policy, self.resolver.as_ref()).await {
            Ok(destination) => Ok((next, destination)),
            Err(
                error @ (FetchError::InvalidUrl { .. }
                | FetchError::UserinfoForbidden
                | FetchError::SchemeForbidden { .. }
                | FetchError::PortForbidden { .. }
                | FetchError::DestinationForbidden { .. }),
            ) => Err(refused(error)),
            Err(error) => Err(error),
        }
    }

    /// One hop, on a client that can reach only the destination's checked addresses.
    async fn send_once(
        &self,
        request: &FetchRequest,
        destination: &Destination,
    ) -> Result<reqwest::Response, FetchError> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(self.policy.connect_timeout)
            .pool_max_idle_per_host(0)
            .tls_backend_preconfigured(rustls::ClientConfig::clone(&self.tls))
            .dns_resolver(Arc::new(RefusingResolver));
        if destination.is_name {
            builder = builder.resolve_to_addrs(&destination.host, &destination.addresses);
        }
        let client = builder.build().map_err(|error| FetchError::InvalidPolicy {
            reason: chain_text(&error),
        })?;
        client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone())
            .header(header::USER_AGENT, self.user_agent.clone())
            .body(request.body.clone())
            .send()
            .await
            .map_err(classify)
    }
}

/// The TLS client configuration every fetcher shares, built on first use: reading the system's
/// trust store took ~24 ms per fetcher (measured, dev profile), and the roots do not change
/// while the process runs.
fn shared_tls_config() -> Result<Arc<rustls::ClientConfig>, &'static String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            // ring explicitly, so the fetcher works whether or not the process installed a default.
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|error| format!("the TLS roots cannot be loaded: {error}"))?;
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|error| format!("TLS: {error}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .as_ref()
        .cloned()
}

/// Turns `request` into the next hop's: 303 (and 301/302 after a POST, as browsers do) become a
/// GET without a body; credentials are dropped when the origin changes.
fn redirect(request: &mut FetchRequest, status: reqwest::StatusCode, next: url::Url) {
    let becomes_get = status == reqwest::StatusCode::SEE_OTHER
        && request.method != http::Method::HEAD
        || matches!(status.as_u16(), 301 | 302) && request.method == http::Method::POST;
    if becomes_get {
        request.method = http::Method::GET;
        request.body = Bytes::new();
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
        ] {
            request.headers.remove(name);
        }
    }
    if next.origin() != request.url.origin() {
        for name in [
            header::AUTHORIZATION,
            header::COOKIE,
            header::PROXY_AUTHORIZATION,
        ] {
            request.headers.remove(name);
        }
    }
    request.url = next;
}

/// Reads at most `limit` bytes of the body; whether more was there.
async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<(Bytes, bool), FetchError> {
    let expected = response.content_length().unwrap_or(0);
    let mut body = BytesMut::with_capacity(
        usize::try_from(expected)
            .unwrap_or(limit)
            .min(limit)
            .min(1 << 20),
    );
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body.freeze(), false))
}

/// The error of an exchange with a checked address, by what went wrong.
fn classify(error: reqwest::Error) -> FetchError {
    let detail = chain_text(&error);
    let mut tls = false;
    let mut timed_out = error.is_timeout();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = source {
        // io::Error's source() skips the error it wraps (and hyper-rustls wraps tokio-rustls'
        // io::Error in another), so descend through io::Errors by hand.
        let mut node = current;
        loop {
            tls |= node.is::<rustls::Error>();
            let Some(io) = node.downcast_ref::<std::io::Error>() else {
                break;
            };
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
            match io.get_ref() {
                Some(inner) => node = inner,
                None => break,
            }
        }
        source = current.source();
    }
    if timed_out {
        FetchError::TimedOut
    } else if tls {
        FetchError::TlsFailed { detail }
    } else if error.is_connect() {
        FetchError::ConnectFailed { detail }
    } else {
        FetchError::Io { detail }
    }
}

/// An error and its causes, joined with ": ".
fn chain_text(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
