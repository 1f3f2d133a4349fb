//! The gateway's routes: the `/api` scope (CORS, security headers, the proxy, presence) and
//! `/ws`.

pub mod docs;
pub mod presence;
pub mod proxy;
pub mod security;
pub mod ws;

use actix_web::web;

use crate::settings::GatewaySettings;

/// Mounts every route.
pub fn configure(config: &mut web::ServiceConfig, settings: &GatewaySettings) {
    // Swagger UI first: it needs scripts, which the API's CSP forbids.
    docs::configure_ui(config);
    config
        .service(
            web::scope("/api")
                // Gzip when the client accepts it; bodies an upstream already encoded pass as they are.
                .wrap(actix_web::middleware::Compress::default())
                .wrap(security::headers(settings))
                .wrap(security::cors(settings))
                .configure(docs::configure)
                .configure(presence::configure)
                .configure(proxy::configure)
                .default_service(web::to(nexus_http::error::unknown_route)),
        )
        .configure(ws::configure);
}
