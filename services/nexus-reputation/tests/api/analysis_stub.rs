//! A stand-in for nexus-analysis' internal summary route (a third party to reputation's tests):
//! the files it knows answer their summary, any other file is a 404 `file_not_found`, and while
//! `down` every ask is a 503 (analysis unreachable as far as the caller can tell).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// The running stand-in.
pub struct StubAnalysis {
    /// Its base URL (`reputation.analysis_url`).
    pub url: String,
    /// While true, every ask is a 503.
    pub down: Arc<AtomicBool>,
    /// How many asks it answered (any status).
    pub asks: Arc<AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
}

impl StubAnalysis {
    /// Serves `files` (SHA-256 → summary body), up when `up`.
    pub fn serve(files: BTreeMap<String, Value>, up: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let down = Arc::new(AtomicBool::new(!up));
        let asks = Arc::new(AtomicUsize::new(0));
        let files = Arc::new(files);
        let state = (Arc::clone(&down), Arc::clone(&asks), files);
        let server = HttpServer::new(move || {
            let (down, asks, files) = state.clone();
            App::new().route(
                "/internal/v1/files/{sha256}/summary",
                web::get().to(move |path: web::Path<String>| {
                    let (down, asks, files) = (down.clone(), asks.clone(), files.clone());
                    async move {
                        asks.fetch_add(1, Ordering::SeqCst);
                        if down.load(Ordering::SeqCst) {
                            return HttpResponse::ServiceUnavailable().json(json!({
                                "code": "unavailable", "message": "down", "request_id": "t"
                            }));
                        }
                        match files.get(path.as_str()) {
                            Some(summary) => HttpResponse::Ok().json(summary),
                            None => HttpResponse::NotFound().json(json!({
                                "code": "file_not_found", "message": "no such file",
                                "request_id": "t"
                            })),
                        }
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://{address}"),
            down,
            asks,
            handle,
        }
    }

    /// Stops it.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
