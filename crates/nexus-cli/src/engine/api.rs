//! The gateway's REST API as the engine uses it, signed in with an API key
//! (`Authorization: ApiKey nxs_...`; the gateway swaps it for a short-lived token with the key's
//! scopes). nexus-client's typed clients send only bearer tokens, so the engine speaks to the
//! same paths with the wire types of nexus-proto through this small client.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A non-2xx answer with the platform's error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// The stable snake_case code (`bounty_not_revealing`, ...).
    pub code: String,
    /// What the platform said.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// The gateway, as one account (its API key).
#[derive(Clone)]
pub struct Gateway {
    http: reqwest::Client,
    base: String,
    api_key: String,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("base", &self.base)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

impl Gateway {
    /// A client of `gateway_url` calling with `api_key`.
    pub fn new(gateway_url: &str, api_key: String, timeout: Duration) -> anyhow::Result<Self> {
        // The workspace's reqwest has no TLS provider of its own; an error only means one is
        // installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base: gateway_url.trim_end_matches('/').to_owned(),
            api_key,
        })
    }

    /// The gateway's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api{path}", self.base))
            .header("authorization", format!("ApiKey {}", self.api_key))
    }

    async fn answer(response: reqwest::Response) -> anyhow::Result<Result<Value, Refusal>> {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(Ok(body));
        }
        let text = |field: &str| body[field].as_str().unwrap_or_default().to_owned();
        Ok(Err(Refusal {
            status,
            code: text("code"),
            message: text("message"),
        }))
    }

    /// `GET /api{path}`.
    pub async fn get(&self, path: &str) -> anyhow::Result<Result<Value, Refusal>> {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        Self::answer(response).await
    }

    /// `GET /api{path}` decoded; a refusal is an error.
    pub async fn get_as<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        match self.get(path).await? {
            Ok(body) => serde_json::from_value(body)
                .with_context(|| format!("GET {path}: an answer of another shape")),
            Err(refusal) => bail!("GET {path}: {refusal}"),
        }
    }

    /// `POST /api{path}` with a JSON body.
    pub async fn post(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<Result<Value, Refusal>> {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        Self::answer(response).await
    }

    /// `GET /api/v1/files/{sha256}/download`, refusing more than `limit` bytes.
    pub async fn download(&self, sha256: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
        let path = format!("/v1/files/{sha256}/download");
        let mut response = self
            .request(reqwest::Method::GET, &path)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        if !response.status().is_success() {
            let refusal = Self::answer(response).await?.err();
            bail!(
                "GET {path}: {}",
                refusal.map(|r| r.to_string()).unwrap_or_default()
            );
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            bail!("the sample is larger than policy.max_file_size ({limit} bytes)");
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.context("reading the sample")? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limit {
                bail!("the sample is larger than policy.max_file_size ({limit} bytes)");
            }
        }
        Ok(bytes)
    }
}
