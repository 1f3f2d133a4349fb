//! `GET /api/openapi.json` (the merged description) and Swagger UI at `/api/docs/`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::GatewayService;

/// Mounts the merged document (inside the `/api` scope).
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/openapi.json").route(web::get().to(get_openapi)));
}

/// Mounts Swagger UI (outside the `/api` scope and its CSP).
pub fn configure_ui(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/api/docs").route(web::get().to(redirect_to_docs)))
        .service(SwaggerUi::new("/api/docs/{_:.*}").config(Config::new(["/api/openapi.json"])));
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/api/docs/"))
        .finish()
}

/// The public API: the gateway's routes and every reachable upstream's, under `/api`.
pub async fn get_openapi(gateway: web::Data<GatewayService>) -> HttpResponse {
    let document = gateway
        .openapi
        .document(
            gateway.forwarder.http(),
            &gateway.upstreams,
            &gateway.routes,
        )
        .await;
    HttpResponse::Ok().json(document.as_ref())
}
