//! `GET /api/v1/presence`: the analyst engines connected to any gateway instance.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::RequestContext;
use nexus_proto::ws::PresenceList;

use crate::GatewayService;
use crate::error::GatewayError;
use crate::routes::origin;
use crate::routes::proxy::{authorize, refusal_response};

/// Mounts the presence route (before the proxy's catch-all).
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/v1/presence").route(web::get().to(get_presence)));
}

/// Who is online, since when, last heartbeat. Any signed-in account (`presence:read`, decided by
/// the policies like every proxied route; an API key needs that scope).
#[utoipa::path(
    get,
    path = "/api/v1/presence",
    tag = "gateway",
    responses(
        (status = 200, description = "`{\"engines\": [{user_id, session_id, instance, connected_at, last_heartbeat_at}]}`: analyst engines connected to any gateway instance, oldest first"),
        (status = 503, description = "`presence_unavailable`: Redis, which holds the fleet's presence, is unreachable"),
        (status = 401, description = "No valid bearer token or API key"),
        (status = 403, description = "`scope_insufficient`: an API key without the presence:read scope")
    )
)]
pub async fn get_presence(
    request: HttpRequest,
    gateway: web::Data<GatewayService>,
    context: RequestContext,
) -> HttpResponse {
    let caller = match gateway
        .authenticator
        .authenticate(request.headers(), &context)
        .await
    {
        Ok(caller) => caller,
        Err(failure) => return refusal_response(failure.into(), &[]),
    };
    let ip = origin(&request, &gateway.settings.trusted_proxies).client;
    if let Err(refusal) = authorize(
        &gateway,
        &caller,
        request.method(),
        "/v1/presence",
        ip,
        &context,
    ) {
        return refusal_response(refusal, &[]);
    }
    match gateway.hub.presence().engines().await {
        Ok(engines) => HttpResponse::Ok().json(PresenceList { engines }),
        Err(error) => {
            tracing::warn!(error = %error, "Reading the fleet's presence failed.");
            GatewayError::PresenceUnavailable.to_response(&[])
        }
    }
}
