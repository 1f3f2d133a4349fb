//! A small actix upstream that echoes what it receives, streams large bodies both ways, fails on
//! demand and answers API-key introspection; and a gateway configured in front of it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use nexus_gateway::GatewayService;
use nexus_gateway::settings::GatewaySettings;
use nexus_proto::auth::IntrospectResponse;
use nexus_proto::user::WsKeyOwner;
use nexus_runtime::Settings;
use nexus_testkit::{TestContext, TestService};
use serde_json::{Value, json};
use url::Url;

/// What the upstream saw and what it should answer.
#[derive(Debug, Default)]
pub struct UpstreamState {
    /// Remaining 503 answers of `/v1/bounties/flaky`.
    pub failures_left: AtomicUsize,
    /// Calls of `/v1/bounties/flaky`.
    pub flaky_calls: AtomicUsize,
    /// Introspection calls.
    pub introspections: AtomicUsize,
    /// Introspection answers by key.
    pub api_keys: Mutex<HashMap<String, IntrospectResponse>>,
    /// Registered WebSocket keys by hex public key.
    pub ws_keys: Mutex<HashMap<String, WsKeyOwner>>,
}

/// A running upstream.
pub struct Upstream {
    pub url: String,
    pub state: Arc<UpstreamState>,
    handle: ServerHandle,
}

impl Upstream {
    pub async fn start() -> Self {
        let state = Arc::new(UpstreamState::default());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 30))
                .route(
                    "/internal/v1/api-keys/introspect",
                    web::post().to(introspect),
                )
                .route("/internal/v1/ws-keys/{key}", web::get().to(ws_key))
                .route("/openapi.json", web::get().to(openapi))
                .route("/v1/files", web::post().to(count_upload))
                .route("/v1/files/{id}/download", web::get().to(download))
                .route("/v1/bounties/flaky", web::route().to(flaky))
                .route("/v1/bounties/slow", web::get().to(slow))
                .route("/v1/bounties/hop", web::get().to(hop_headers))
                .default_service(web::to(echo))
        })
        .workers(2)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { url, state, handle }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn echo(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    HttpResponse::Ok().json(json!({
        "method": request.method().as_str(),
        "path": request.path(),
        "query": request.query_string(),
        "headers": headers,
        "body_bytes": body.len(),
    }))
}

async fn count_upload(mut payload: web::Payload) -> HttpResponse {
    let mut total = 0usize;
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(bytes) => total += bytes.len(),
            Err(_) => return HttpResponse::BadRequest().finish(),
        }
    }
    HttpResponse::Ok().json(json!({ "bytes": total }))
}

#[derive(serde::Deserialize)]
struct Size {
    size: usize,
}

async fn download(query: web::Query<Size>) -> HttpResponse {
    const CHUNK: usize = 64 * 1024;
    let size = query.size;
    let chunks = futures_util::stream::iter((0..size.div_ceil(CHUNK)).map(move |index| {
        let length = CHUNK.min(size - index * CHUNK);
        Ok::<_, std::io::Error>(web::Bytes::from(vec![b'x'; length]))
    }));
    HttpResponse::Ok()
        .content_type("application/octet-stream")
        .streaming(chunks)
}

async fn flaky(state: web::Data<UpstreamState>) -> HttpResponse {
    state.flaky_calls.fetch_add(1, Ordering::SeqCst);
    let failing = state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        HttpResponse::ServiceUnavailable()
            .json(json!({"code": "service_unavailable", "message": "down", "request_id": "x"}))
    } else {
        HttpResponse::Ok().json(json!({"ok": true}))
    }
}

async fn slow() -> HttpResponse {
    tokio::time::sleep(Duration::from_secs(5)).await;
    HttpResponse::Ok().finish()
}

async fn hop_headers() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("proxy-authenticate", "Basic realm=\"upstream\""))
        .insert_header(("x-nexus-internal", "secret"))
        .insert_header(("x-kept", "yes"))
        .finish()
}

async fn introspect(state: web::Data<UpstreamState>, body: web::Json<Value>) -> HttpResponse {
    state.introspections.fetch_add(1, Ordering::SeqCst);
    let key = body["key"].as_str().unwrap_or_default().to_owned();
    let answer = state.api_keys.lock().unwrap().get(&key).cloned();
    HttpResponse::Ok().json(answer.unwrap_or(IntrospectResponse {
        active: false,
        key_id: None,
        user_id: None,
        roles: None,
        scopes: None,
        tier: None,
        access_token: None,
        expires_in: None,
    }))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "openapi": "3.1.0",
        "info": {"title": "upstream", "version": "1"},
        "paths": {
            "/v1/bounties": {"get": {"responses": {"200": {"description": "bounties"}}}},
            "/internal/v1/ws-keys/{key}": {"get": {"responses": {"200": {"description": "no"}}}},
            "/v1/nobody-routes-this": {"get": {"responses": {"200": {"description": "no"}}}}
        },
        "components": {"schemas": {"Bounty": {"type": "object"}}}
    }))
}

async fn ws_key(state: web::Data<UpstreamState>, key: web::Path<String>) -> HttpResponse {
    match state.ws_keys.lock().unwrap().get(key.as_str()) {
        Some(owner) => HttpResponse::Ok().json(owner),
        None => HttpResponse::NotFound()
            .json(json!({"code": "unknown_key", "message": "no such key", "request_id": "x"})),
    }
}

/// Gateway settings with every upstream at `upstream_url`.
pub fn settings(context: &TestContext, upstream_url: &str) -> Settings<GatewaySettings> {
    let mut settings = context.settings::<GatewaySettings>();
    let url = Url::parse(upstream_url).unwrap();
    for value in settings.service.upstreams.values_mut() {
        *value = url.clone();
    }
    settings.service.ws.auth_timeout = Duration::from_millis(500);
    settings.service.ws.close_delay = Duration::from_millis(50);
    settings
}

pub async fn gateway(context: &TestContext, settings: Settings<GatewaySettings>) -> TestService {
    context
        .spawn_with::<GatewayService>(settings)
        .await
        .unwrap()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// `method path` on the gateway (`path` starts at `/api` or `/ws`), with a bearer token when
/// given.
pub async fn send(
    service: &TestService,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = http().request(method, format!("{}{path}", service.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// `GET path` on the gateway, with a bearer token when given.
pub async fn get(service: &TestService, path: &str, token: Option<&str>) -> reqwest::Response {
    send(service, reqwest::Method::GET, path, token).await
}

/// The value of the first metric line starting with `prefix` on the admin port (0 when absent).
pub async fn metric(service: &TestService, prefix: &str) -> f64 {
    service.metric(prefix).await.unwrap()
}

/// The whole seconds of a response's `Retry-After` header (which must be present).
pub fn retry_after_seconds(headers: &reqwest::header::HeaderMap) -> u64 {
    headers["retry-after"].to_str().unwrap().parse().unwrap()
}
