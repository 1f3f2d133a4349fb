//! The HTTP conventions, exercised through a real actix app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, test, web};
use futures_util::future::BoxFuture;
use nexus_http::{
    ApiError, BodyLimits, HttpMetrics, NexusRootSpan, ReadinessCheck, ReadinessChecks,
    RequestContext,
};
use nexus_proto::ErrorBody;
use nexus_proto::health::ReadinessReport;
use nexus_telemetry::MetricsRegistry;
use serde::Deserialize;

#[derive(Deserialize)]
struct NewBounty {
    #[allow(dead_code)]
    reward: u64,
}

async fn create_bounty(_body: web::Json<NewBounty>) -> HttpResponse {
    HttpResponse::Created().finish()
}

async fn upload(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body.len().to_string())
}

async fn explode() -> Result<HttpResponse, ApiError> {
    Err(ApiError::internal(std::io::Error::other(
        "secret host 10.1.2.3 refused",
    )))
}

async fn show_context(context: RequestContext) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", context.request_id, context.trace))
}

struct FixedCheck {
    name: &'static str,
    outcome: Result<(), String>,
}

impl ReadinessCheck for FixedCheck {
    fn name(&self) -> &'static str {
        self.name
    }
    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let outcome = self.outcome.clone();
        Box::pin(async move { outcome })
    }
}

struct Harness {
    registry: MetricsRegistry,
}

macro_rules! app {
    ($harness:expr, $checks:expr) => {{
        let metrics = web::Data::new(HttpMetrics::register("nexus-test", &$harness.registry));
        let checks = web::Data::new($checks);
        test::init_service(
            App::new()
                .configure(|config| {
                    nexus_http::configure_service(
                        config,
                        BodyLimits {
                            body_bytes: 64,
                            json_bytes: 32,
                        },
                        metrics.clone(),
                        checks.clone(),
                    )
                })
                // Routes are declared with `web::resource` so a wrong method is a 405, not a 404.
                .service(web::resource("/v1/bounties").route(web::post().to(create_bounty)))
                // A route with its own JSON limit, as a service mounts one.
                .service(
                    web::resource("/v1/large-bounties")
                        .app_data(nexus_http::json_config(256))
                        .route(web::post().to(create_bounty)),
                )
                .route("/v1/upload", web::post().to(upload))
                .route("/v1/explode", web::get().to(explode))
                .route("/v1/context/{id}", web::get().to(show_context))
                .wrap(tracing_actix_web::TracingLogger::<NexusRootSpan>::new())
                .wrap(actix_web::middleware::from_fn(
                    nexus_http::middleware::nexus_middleware,
                )),
        )
        .await
    }};
}

fn healthy() -> ReadinessChecks {
    ReadinessChecks::new("nexus-test", "0.1.0", Duration::from_secs(1))
}

async fn error_body(response: actix_web::dev::ServiceResponse) -> (StatusCode, String, ErrorBody) {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let body: ErrorBody = test::read_body_json(response).await;
    (status, request_id, body)
}

#[actix_web::test]
async fn unknown_routes_are_json_404s_carrying_the_request_id() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let response =
        test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await;
    let (status, request_id, body) = error_body(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body.code, "not_found");
    assert_eq!(body.request_id, request_id);
    assert!(body.message.contains("GET /nope"));
}

#[actix_web::test]
async fn wrong_methods_are_json_405s() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let response = test::call_service(
        &app,
        test::TestRequest::delete().uri("/v1/bounties").to_request(),
    )
    .await;
    let (status, _, body) = error_body(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body.code, "method_not_allowed");
}

#[actix_web::test]
async fn malformed_json_wrong_type_and_oversized_bodies_get_distinct_codes() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let cases = [
        (
            test::TestRequest::post()
                .uri("/v1/bounties")
                .insert_header(("content-type", "application/json"))
                .set_payload("{\"reward\":"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            test::TestRequest::post()
                .uri("/v1/bounties")
                .insert_header(("content-type", "application/json"))
                .set_payload("{\"reward\":\"x\"}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request_body",
        ),
        (
            test::TestRequest::post()
                .uri("/v1/bounties")
                .insert_header(("content-type", "text/plain"))
                .set_payload("{\"reward\":1}"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            test::TestRequest::post()
                .uri("/v1/bounties")
                .insert_header(("content-type", "application/json"))
                .set_payload(format!("{{\"reward\":1,\"pad\":\"{}\"}}", "x".repeat(64))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            test::TestRequest::post()
                .uri("/v1/upload")
                .set_payload(vec![0u8; 65]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (request, expected_status, expected_code) in cases {
        let response = test::call_service(&app, request.to_request()).await;
        let (status, _, body) = error_body(response).await;
        assert_eq!(
            (status, body.code.as_str()),
            (expected_status, expected_code),
            "{}",
            body.message
        );
    }
    let accepted = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/v1/upload")
            .set_payload(vec![0u8; 64])
            .to_request(),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_route_with_its_own_json_limit_answers_with_the_shared_codes_and_messages() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let post = |uri: &str, payload: String| {
        test::TestRequest::post()
            .uri(uri)
            .insert_header(("content-type", "application/json"))
            .set_payload(payload)
            .to_request()
    };
    let padded = |length: usize| format!("{{\"reward\":1,\"pad\":\"{}\"}}", "x".repeat(length));

    let accepted = test::call_service(&app, post("/v1/large-bounties", padded(100))).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);

    for (uri, payload, status, code, message) in [
        (
            "/v1/large-bounties",
            padded(300),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "this endpoint accepts at most 256.",
        ),
        (
            "/v1/bounties",
            padded(100),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "this endpoint accepts at most 32.",
        ),
        (
            "/v1/large-bounties",
            "{\"reward\":\"x\"}".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request_body",
            "The JSON body does not have the expected shape",
        ),
        (
            "/v1/large-bounties",
            "{\"reward\":".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body is not valid JSON",
        ),
    ] {
        let response = test::call_service(&app, post(uri, payload)).await;
        let (answered, _, body) = error_body(response).await;
        assert_eq!((answered, body.code.as_str()), (status, code), "{uri}");
        assert!(body.message.contains(message), "{uri}: {}", body.message);
    }
}

#[actix_web::test]
async fn internal_errors_are_opaque() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let response = test::call_service(
        &app,
        test::TestRequest::get().uri("/v1/explode").to_request(),
    )
    .await;
    let (status, _, body) = error_body(response).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body.code, "internal_error");
    assert!(!body.message.contains("10.1.2.3"));
}

#[actix_web::test]
async fn client_request_ids_are_echoed_and_unsafe_ones_replaced() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let kept = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/health")
            .insert_header(("x-request-id", "client-42"))
            .to_request(),
    )
    .await;
    assert_eq!(kept.headers().get("x-request-id").unwrap(), "client-42");
    let replaced = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/health")
            .insert_header(("x-request-id", "a b"))
            .to_request(),
    )
    .await;
    let generated = replaced
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_ne!(generated, "a b");
    assert!(uuid::Uuid::parse_str(generated).is_ok());
}

#[actix_web::test]
async fn the_callers_trace_is_continued_for_downstream_calls() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/v1/context/7")
            .insert_header(("traceparent", incoming))
            .insert_header(("x-request-id", "r-1"))
            .to_request(),
    )
    .await;
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
    let (request_id, traceparent) = text.split_once(' ').unwrap();
    assert_eq!(request_id, "r-1");
    assert!(
        traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{traceparent}"
    );
    assert!(
        !traceparent.contains("00f067aa0ba902b7"),
        "a hop must use its own span id"
    );
}

#[actix_web::test]
async fn requests_are_counted_by_route_pattern_not_raw_path() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let app = app!(harness, healthy());
    for id in 0..3 {
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/v1/context/{id}"))
                .to_request(),
        )
        .await;
    }
    let text = harness.registry.encode().unwrap();
    let line = text
        .lines()
        .find(|line| {
            line.starts_with("nexus_http_requests_total{")
                && line.contains("route=\"/v1/context/{id}\"")
        })
        .unwrap_or_else(|| panic!("no counter line in {text}"));
    assert!(
        line.contains("service=\"nexus-test\"")
            && line.contains("method=\"GET\"")
            && line.contains("status=\"200\"")
    );
    assert!(line.ends_with(" 3"), "{line}");
    assert!(text.contains("nexus_http_request_duration_seconds_bucket"));
}

#[actix_web::test]
async fn health_is_ok_and_ready_names_the_dependency_that_is_down() {
    let harness = Harness {
        registry: MetricsRegistry::new(),
    };
    let checks = healthy()
        .with(Arc::new(FixedCheck {
            name: "postgres",
            outcome: Ok(()),
        }))
        .with(Arc::new(FixedCheck {
            name: "redis",
            outcome: Err("connection refused".into()),
        }));
    let app = app!(harness, checks);
    let health =
        test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = test::call_service(&app, test::TestRequest::get().uri("/ready").to_request()).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let report: ReadinessReport = test::read_body_json(ready).await;
    assert_eq!(report.code.as_deref(), Some("not_ready"));
    assert!(
        report
            .message
            .unwrap()
            .contains("redis is unavailable (connection refused)")
    );
    assert_eq!(report.checks.iter().filter(|check| check.ok).count(), 1);
}
