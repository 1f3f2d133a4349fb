//! The gateway's routes: the `/api` scope (CORS, security headers, the proxy, presence) and
//! `/ws`, and the web dashboard at `/` (`dashboard`).

pub mod dashboard;
pub mod docs;
pub mod openapi;
pub mod presence;
pub mod proxy;
pub mod security;
pub mod well_known;
pub mod ws;

use std::net::{IpAddr, Ipv4Addr};

use actix_web::{HttpRequest, web};

use crate::domain::headers::{IpRange, client_ip};
use crate::settings::GatewaySettings;

/// Where a request came from: the TCP peer, the client's address (the peer, or the
/// `X-Forwarded-For` entry a trusted proxy vouches for) and the header it was read from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The TCP peer.
    pub peer: IpAddr,
    /// The client, for rate limits, policy context and audit.
    pub client: IpAddr,
    /// The request's `X-Forwarded-For`, as sent (the proxy extends it for the upstream).
    pub forwarded_for: Option<&'a str>,
}

/// The [`Origin`] of `request`, given the proxies trusted to report the client.
pub fn origin<'a>(request: &'a HttpRequest, trusted: &[IpRange]) -> Origin<'a> {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |address| address.ip());
    let forwarded_for = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    Origin {
        peer,
        client: client_ip(peer, forwarded_for, trusted),
        forwarded_for,
    }
}

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
        .configure(ws::configure)
        .configure(well_known::configure)
        // Last: its catch-all steps aside for every path above.
        .configure(|config| dashboard::configure(config, settings));
}
