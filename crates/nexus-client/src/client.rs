//! [`ServiceClient`]: typed JSON calls to one service with retries and a circuit breaker.

use std::sync::Arc;

use nexus_proto::ErrorBody;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::breaker::{CircuitBreaker, CircuitState};
use crate::context::CallContext;
use crate::error::ClientError;
use crate::metrics::ClientMetrics;
use crate::retry::{backoff, is_idempotent, is_retryable_status};
use crate::service_token::{SERVICE_TOKEN_HEADER, is_internal_call};
use crate::settings::ClientSettings;

/// Longest body excerpt kept in [`ClientError::UnexpectedResponse`], in characters.
const SNIPPET_CHARS: usize = 200;

const JSON: &str = "application/json";
const OCTET_STREAM: &str = "application/octet-stream";

/// A request body and its media type.
#[derive(Debug)]
struct Body {
    content_type: &'static str,
    bytes: Vec<u8>,
}

/// A client of one service (base URL + name), cheap to clone; clones share the connection pool
/// and the circuit breaker.
///
/// Every call: builds `<base_url>/<path>`, sends the [`CallContext`] headers, sends and expects
/// JSON, decodes a non-2xx [`ErrorBody`] into [`ClientError::Api`]. Idempotent methods (GET, HEAD,
/// PUT, DELETE, OPTIONS) are retried on connect errors, timeouts and 502/503/504 with jittered
/// exponential backoff; POST and PATCH never are. Each attempt passes the circuit breaker and
/// reports to it (transport errors, timeouts and 5xx count as failures; 4xx do not: the service
/// is healthy, the call was wrong).
#[derive(Debug, Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
    metrics: Option<ClientMetrics>,
}

#[derive(Debug)]
struct Inner {
    service: String,
    base_url: String,
    http: reqwest::Client,
    settings: ClientSettings,
    breaker: CircuitBreaker,
}

impl ServiceClient {
    /// A client of `service` (its name, for errors and logs) at `base_url`, e.g.
    /// `http://nexus-auth:8081`.
    ///
    /// Environment proxies are ignored: service-to-service calls go direct. TLS uses the process
    /// rustls crypto provider; if none is installed yet, ring is installed as the default.
    pub fn new(
        service: impl Into<String>,
        base_url: &str,
        settings: ClientSettings,
    ) -> Result<Self, ClientError> {
        settings.validate()?;
        Url::parse(base_url).map_err(|source| ClientError::InvalidUrl {
            url: base_url.to_owned(),
            source,
        })?;
        ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.connect_timeout)
            .no_proxy()
            .user_agent(concat!("nexus-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        let breaker = CircuitBreaker::new(
            settings.breaker_failure_threshold,
            settings.breaker_open_duration,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                service: service.into(),
                base_url: base_url.trim_end_matches('/').to_owned(),
                http,
                settings,
                breaker,
            }),
            metrics: None,
        })
    }

    /// Records every call of this client (and its later clones) in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: ClientMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The called service's name.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The circuit breaker's current state (e.g. for `/ready` or a gauge).
    pub fn circuit_state(&self) -> CircuitState {
        self.inner.breaker.state()
    }

    /// `GET path`, decoding the JSON response as `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        context: &CallContext,
        path: &str,
    ) -> Result<T, ClientError> {
        self.execute(context, Method::GET, path, None).await
    }

    /// `DELETE path`, decoding the JSON response as `T` (`()` for an empty body).
    pub async fn delete<T: DeserializeOwned>(
        &self,
        context: &CallContext,
        path: &str,
    ) -> Result<T, ClientError> {
        self.execute(context, Method::DELETE, path, None).await
    }

    /// `POST path` with `body` as JSON. Never retried.
    pub async fn post<B, T>(
        &self,
        context: &CallContext,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.execute(context, Method::POST, path, Some(encode(body)?))
            .await
    }

    /// `PUT path` with `body` as JSON. Retried like GET: PUT replaces, so repeating it is safe.
    pub async fn put<B, T>(
        &self,
        context: &CallContext,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.execute(context, Method::PUT, path, Some(encode(body)?))
            .await
    }

    /// `PATCH path` with `body` as JSON. Never retried.
    pub async fn patch<B, T>(
        &self,
        context: &CallContext,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        self.execute(context, Method::PATCH, path, Some(encode(body)?))
            .await
    }

    /// `POST path` with `bytes` as an `application/octet-stream` body (an upload), decoding the
    /// JSON response as `T`. Never retried.
    pub async fn post_bytes<T: DeserializeOwned>(
        &self,
        context: &CallContext,
        path: &str,
        bytes: Vec<u8>,
    ) -> Result<T, ClientError> {
        let body = Body {
            content_type: OCTET_STREAM,
            bytes,
        };
        self.call(context, Method::POST, path, Some(body), Self::decode)
            .await
    }

    /// `GET path`, answering the 2xx body as it came (a download); errors decode as for JSON
    /// calls.
    pub async fn get_bytes(
        &self,
        context: &CallContext,
        path: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.call(context, Method::GET, path, None, Self::raw_body)
            .await
    }

    /// Any method with an optional pre-encoded JSON body; the typed helpers call this.
    pub async fn execute<T: DeserializeOwned>(
        &self,
        context: &CallContext,
        method: Method,
        path: &str,
        json_body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        let body = json_body.map(|bytes| Body {
            content_type: JSON,
            bytes,
        });
        self.call(context, method, path, body, Self::decode).await
    }

    /// One call: retries, breaker and metrics, with `answer` turning the final response into
    /// the result (JSON or raw bytes).
    #[tracing::instrument(skip_all, fields(service = %self.inner.service, method = %method, path = %path))]
    async fn call<T>(
        &self,
        context: &CallContext,
        method: Method,
        path: &str,
        body: Option<Body>,
        answer: fn(&Self, StatusCode, Vec<u8>) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let started = tokio::time::Instant::now();
        let result = self
            .execute_with_retries(context, &method, path, body, answer)
            .await;
        if let Some(metrics) = &self.metrics {
            let outcome = result.as_ref().map_or_else(ClientError::code, |_| "ok");
            metrics.finished(
                &self.inner.service,
                method.as_str(),
                outcome,
                started.elapsed(),
            );
        }
        result
    }

    async fn execute_with_retries<T>(
        &self,
        context: &CallContext,
        method: &Method,
        path: &str,
        body: Option<Body>,
        answer: fn(&Self, StatusCode, Vec<u8>) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let url = self.url(path)?;
        let settings = &self.inner.settings;
        let max_attempts = if is_idempotent(method) {
            settings.retries.saturating_add(1)
        } else {
            1
        };
        let mut last_error = None;
        let mut attempt = 1;
        loop {
            let permit = match self.inner.breaker.try_acquire() {
                Ok(permit) => permit,
                // Opened while we were retrying: the last real failure says more than "open".
                Err(refused) => {
                    return Err(last_error.unwrap_or_else(|| ClientError::CircuitOpen {
                        service: self.inner.service.clone(),
                        retry_after: refused.retry_after,
                    }));
                }
            };
            let result = self
                .attempt(context, method, &url, body.as_ref(), is_internal_call(path))
                .await;
            let retryable = match &result {
                Ok((status, _)) => is_retryable_status(*status),
                Err(error) => error.is_connect() || error.is_timeout(),
            };
            match &result {
                Ok((status, _)) if status.is_server_error() => permit.failed(),
                Ok(_) => permit.succeeded(),
                // A request we could not even build says nothing about the service's health.
                Err(error) if error.is_builder() => drop(permit),
                Err(_) => permit.failed(),
            }
            let outcome = match result {
                Ok((status, bytes)) => answer(self, status, bytes),
                Err(error) => Err(self.transport_error(error)),
            };
            if !retryable || attempt >= max_attempts {
                return outcome;
            }
            let wait = backoff(settings, attempt);
            if let Err(error) = outcome {
                tracing::warn!(error = %error, attempt, wait = ?wait, "The call failed and will be retried.");
                last_error = Some(error);
            }
            if let Some(metrics) = &self.metrics {
                metrics.retried(&self.inner.service);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        let url = format!("{}/{}", self.inner.base_url, path.trim_start_matches('/'));
        Url::parse(&url).map_err(|source| ClientError::InvalidUrl { url, source })
    }

    async fn attempt(
        &self,
        context: &CallContext,
        method: &Method,
        url: &Url,
        body: Option<&Body>,
        internal: bool,
    ) -> Result<(StatusCode, Vec<u8>), reqwest::Error> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .header(ACCEPT, JSON);
        for (name, value) in context.headers() {
            request = request.header(name, value);
        }
        if let Some(token) = &self.inner.settings.service_token
            && internal
        {
            request = request.header(SERVICE_TOKEN_HEADER, token.expose());
        }
        if let Some(token) = context.bearer_token() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        Ok((status, body.to_vec()))
    }

    fn transport_error(&self, source: reqwest::Error) -> ClientError {
        let service = self.inner.service.clone();
        if source.is_timeout() {
            ClientError::Timeout { service, source }
        } else if source.is_connect() {
            ClientError::Connect { service, source }
        } else {
            ClientError::Transport { service, source }
        }
    }

    /// A 2xx body as it came; anything else as [`ServiceClient::decode`] reads it.
    fn raw_body(&self, status: StatusCode, body: Vec<u8>) -> Result<Vec<u8>, ClientError> {
        if status.is_success() {
            Ok(body)
        } else {
            self.decode(status, body)
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        status: StatusCode,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let body = body.as_slice();
        let service = self.inner.service.clone();
        if status.is_success() {
            // An empty body (204, or 200 with nothing) decodes as JSON null: `()` or `None`.
            let json = if body.iter().all(u8::is_ascii_whitespace) {
                b"null".as_slice()
            } else {
                body
            };
            return serde_json::from_slice(json).map_err(|source| ClientError::Decode {
                service,
                status,
                source,
            });
        }
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(body) => Err(ClientError::Api {
                service,
                status,
                body,
            }),
            Err(_) => Err(ClientError::UnexpectedResponse {
                service,
                status,
                snippet: snippet(body),
            }),
        }
    }
}

fn encode<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>, ClientError> {
    serde_json::to_vec(body).map_err(ClientError::Encode)
}

/// The start of a body as text, at most [`SNIPPET_CHARS`] characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: any installed provider will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn snippet_is_trimmed_and_bounded_on_a_char_boundary() {
        let long = "é".repeat(SNIPPET_CHARS + 50);
        let cut = snippet(long.as_bytes());
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet(b"  short\n"), "short");
    }

    #[test]
    fn paths_join_the_base_url_with_exactly_one_slash() {
        let client =
            ServiceClient::new("auth", "http://127.0.0.1:1/api/", ClientSettings::default())
                .unwrap();
        assert_eq!(
            client.url("/v1/users?id=1").unwrap().as_str(),
            "http://127.0.0.1:1/api/v1/users?id=1"
        );
        assert_eq!(
            client.url("v1").unwrap().as_str(),
            "http://127.0.0.1:1/api/v1"
        );
    }

    #[test]
    fn invalid_base_url_is_refused() {
        let error = ServiceClient::new("auth", "not a url", ClientSettings::default()).unwrap_err();
        assert_eq!(error.code(), "client_invalid_url");
    }
}
