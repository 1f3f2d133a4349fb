//! Spans reach a real OTLP/HTTP endpoint when one is configured.
//!
//! Its own test binary, because the subscriber it installs is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use nexus_config::TelemetrySettings;

#[derive(Default)]
struct Received {
    requests: Vec<(String, String, usize)>,
}

async fn collect(
    request: HttpRequest,
    body: web::Bytes,
    received: web::Data<Mutex<Received>>,
) -> HttpResponse {
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    received
        .lock()
        .unwrap()
        .requests
        .push((request.path().to_owned(), content_type, body.len()));
    HttpResponse::Ok().finish()
}

#[actix_web::test]
async fn spans_are_exported_over_otlp_http_when_an_endpoint_is_configured() {
    let received = web::Data::new(Mutex::new(Received::default()));
    let shared = received.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .default_service(web::to(collect))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    let handle = server.run();
    let server_handle = handle.handle();
    tokio::spawn(handle);

    let settings = TelemetrySettings {
        otlp_endpoint: Some(format!("http://127.0.0.1:{port}").parse().unwrap()),
        ..TelemetrySettings::default()
    };
    let guard = tokio::task::spawn_blocking(move || {
        nexus_telemetry::init_tracing("nexus-test", &settings).unwrap()
    })
    .await
    .unwrap();
    assert!(guard.installed);

    tracing::info_span!("upload_sample", sha256 = "ab")
        .in_scope(|| tracing::info!("Stored a sample."));
    let guard = Arc::new(guard);
    let flushing = guard.clone();
    tokio::task::spawn_blocking(move || flushing.flush())
        .await
        .unwrap();

    let requests = received.lock().unwrap().requests.clone();
    server_handle.stop(false).await;
    assert!(
        !requests.is_empty(),
        "the collector received no export request"
    );
    let (path, content_type, size) = &requests[0];
    assert_eq!(path, "/v1/traces");
    assert_eq!(content_type, "application/x-protobuf");
    assert!(*size > 0);
}
