//! A tiny HTTP server answering one path with a JSON document the test can swap, standing in
//! for the auth service's JWKS and policy endpoints (our own code on both sides, not a mock of
//! a third party).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};

pub struct DocumentServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// `base_url` + the served path.
    pub url: String,
    pub document: Arc<Mutex<serde_json::Value>>,
    pub fetches: Arc<Mutex<u32>>,
    pub handle: actix_web::dev::ServerHandle,
}

impl DocumentServer {
    pub fn start(path: &'static str, document: serde_json::Value) -> Self {
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(Mutex::new(0));
        let (served, counted) = (document.clone(), fetches.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            let (served, counted) = (served.clone(), counted.clone());
            App::new().route(
                path,
                web::get().to(move || {
                    let (served, counted) = (served.clone(), counted.clone());
                    async move {
                        *counted.lock().unwrap() += 1;
                        let body = served.lock().unwrap().clone();
                        HttpResponse::Ok().json(body)
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        let base_url = format!("http://{address}");
        Self {
            url: format!("{base_url}{path}"),
            base_url,
            document,
            fetches,
            handle,
        }
    }

    pub fn set(&self, document: serde_json::Value) {
        *self.document.lock().unwrap() = document;
    }

    pub fn fetch_count(&self) -> u32 {
        *self.fetches.lock().unwrap()
    }
}
