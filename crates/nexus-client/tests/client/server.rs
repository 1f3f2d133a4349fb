//! A scripted actix-web server that counts the requests it receives.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use nexus_client::ClientSettings;
use nexus_proto::ErrorBody;

/// How long `/slow` takes: far beyond any client timeout used in the tests.
const SLOW_RESPONSE: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct ServerState {
    hits: Mutex<HashMap<String, u32>>,
    pub unhealthy: AtomicBool,
    pub flaky_failures_left: AtomicU32,
}

pub struct TestServer {
    pub base_url: String,
    pub state: web::Data<ServerState>,
    handle: ServerHandle,
}

impl TestServer {
    pub async fn start() -> Self {
        let state = web::Data::new(ServerState::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .default_service(web::to(dispatch))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    /// How many `METHOD /path` requests reached a handler.
    pub fn hits(&self, method: &str, path: &str) -> u32 {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// Settings with fast backoff and a breaker that stays out of the way unless a test sets it.
pub fn fast_settings() -> ClientSettings {
    ClientSettings {
        retries: 2,
        retry_initial_backoff: Duration::from_millis(10),
        retry_max_backoff: Duration::from_millis(50),
        breaker_failure_threshold: 1_000,
        ..ClientSettings::default()
    }
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

async fn dispatch(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<ServerState>,
) -> HttpResponse {
    let path = request.path().to_owned();
    let key = format!("{} {path}", request.method());
    *state.hits.lock().unwrap().entry(key).or_default() += 1;
    if let Some(code) = path.strip_prefix("/status/") {
        let status = StatusCode::from_u16(code.parse().unwrap()).unwrap();
        return HttpResponse::build(status).body("upstream broke");
    }
    match path.as_str() {
        "/echo" | "/internal/v1/echo" => HttpResponse::Ok().json(serde_json::json!({
            "service_token": header(&request, "x-nexus-service-token"),
            "method": request.method().as_str(),
            "request_id": header(&request, "x-request-id"),
            "traceparent": header(&request, "traceparent"),
            "tracestate": header(&request, "tracestate"),
            "content_type": header(&request, "content-type"),
            "authorization": header(&request, "authorization"),
            "body": serde_json::from_slice::<serde_json::Value>(&body).ok(),
            "body_bytes": body.to_vec(),
        })),
        "/api-error" => HttpResponse::NotFound().json(ErrorBody {
            code: "bounty_not_found".to_owned(),
            message: "No bounty has this id.".to_owned(),
            request_id: header(&request, "x-request-id").unwrap_or_default(),
        }),
        "/html-error" => HttpResponse::InternalServerError()
            .content_type("text/html")
            .body(format!("<html>{}</html>", "x".repeat(5_000))),
        "/slow" => {
            tokio::time::sleep(SLOW_RESPONSE).await;
            HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
        }
        "/flaky" => {
            let failed = state
                .flaky_failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok();
            if failed {
                HttpResponse::ServiceUnavailable().body("warming up")
            } else {
                HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
            }
        }
        "/toggle" if state.unhealthy.load(Ordering::SeqCst) => {
            HttpResponse::ServiceUnavailable().body("down")
        }
        "/toggle" => HttpResponse::Ok().json(serde_json::json!({ "ok": true })),
        "/bytes" => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(vec![0_u8, 159, 146, 150]),
        "/no-content" => HttpResponse::NoContent().finish(),
        "/not-json" => HttpResponse::Ok().body("hello"),
        _ => HttpResponse::NotFound().finish(),
    }
}
