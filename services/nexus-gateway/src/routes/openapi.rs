//! The public API description: the gateway's own routes, merged with each upstream's
//! `/openapi.json` (their `/v1/...` paths published under `/api`, only where the route table
//! sends that path to that upstream; `/internal` paths never). Upstreams that cannot be
//! reached (or answer with something that is not a document) are listed under
//! `x-nexus-unavailable`; upstreams that answer with a document without paths (a service whose
//! public API is not built yet) under `x-nexus-without-api`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::domain::routing::RouteTable;
use crate::upstream::Upstream;

/// How long a merged document is reused.
const CACHE_FOR: Duration = Duration::from_secs(30);
/// Time allowed per upstream document.
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// The gateway's own routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Nexus Security API",
        description = "The public API: `/api/v1/*` is served by the owning services through the gateway; `/ws` is the live hub."
    ),
    paths(crate::routes::presence::get_presence, crate::routes::ws::open_socket)
)]
pub struct GatewayApi;

/// Builds and caches the merged document.
#[derive(Debug, Default)]
pub struct MergedSpec {
    cached: tokio::sync::Mutex<Option<(Instant, Arc<Value>)>>,
}

impl MergedSpec {
    /// The merged document (cached for 30 s).
    pub async fn document(
        &self,
        http: &reqwest::Client,
        upstreams: &[Upstream],
        routes: &RouteTable,
    ) -> Arc<Value> {
        let mut cached = self.cached.lock().await;
        if let Some((built, document)) = cached.as_ref()
            && built.elapsed() < CACHE_FOR
        {
            return document.clone();
        }
        let document = Arc::new(merge(http, upstreams, routes).await);
        *cached = Some((Instant::now(), document.clone()));
        document
    }
}

async fn fetch(http: &reqwest::Client, upstream: &Upstream) -> Option<Value> {
    let response = http
        .get(format!("{}/openapi.json", upstream.base_url))
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

async fn merge(http: &reqwest::Client, upstreams: &[Upstream], routes: &RouteTable) -> Value {
    let mut document = serde_json::to_value(GatewayApi::openapi()).unwrap_or_else(|_| json!({}));
    let mut paths = document
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut schemas = Map::new();
    let mut unavailable = Vec::new();
    let mut without_api = Vec::new();
    let mut fetched_bases: Vec<&str> = Vec::new();
    for (index, upstream) in upstreams.iter().enumerate() {
        // Several names may point at one process (tests, all-in-one dev runs).
        let Some(spec) = fetch(http, upstream).await else {
            unavailable.push(upstream.name.clone());
            continue;
        };
        let duplicate = fetched_bases.contains(&upstream.base_url.as_str());
        fetched_bases.push(&upstream.base_url);
        let upstream_paths = spec.get("paths").and_then(Value::as_object);
        if upstream_paths.is_none_or(Map::is_empty) && !duplicate {
            without_api.push(upstream.name.clone());
        }
        for (path, item) in upstream_paths.into_iter().flatten() {
            let owned = routes
                .resolve(path)
                .is_ok_and(|route| route.upstream == index);
            if owned && !path.starts_with("/internal") {
                paths
                    .entry(format!("/api{path}"))
                    .or_insert_with(|| item.clone());
            }
        }
        if let Some(found) = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in found {
                schemas
                    .entry(name.clone())
                    .or_insert_with(|| schema.clone());
            }
        }
    }
    document["paths"] = Value::Object(paths);
    if !schemas.is_empty() {
        document["components"]["schemas"] = Value::Object(schemas);
    }
    document["x-nexus-unavailable"] = json!(unavailable);
    document["x-nexus-without-api"] = json!(without_api);
    document
}
