//! `GET /api/v1/presence`: the analyst engines connected to any gateway instance.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ws::PresenceList;

use crate::GatewayService;
use crate::auth::{AuthFailure, Caller};
use crate::error::GatewayError;

/// Mounts the presence route (before the proxy's catch-all).
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/v1/presence").route(web::get().to(get_presence)));
}

/// Who is online, since when, last heartbeat. Any signed-in caller.
#[utoipa::path(
    get,
    path = "/api/v1/presence",
    tag = "gateway",
    responses(
        (status = 200, description = "`{\"engines\": [{user_id, session_id, instance, connected_at, last_heartbeat_at}]}`: analyst engines connected to any gateway instance, oldest first"),
        (status = 503, description = "`presence_unavailable`: Redis, which holds the fleet's presence, is unreachable"),
        (status = 401, description = "No valid bearer token or API key")
    )
)]
pub async fn get_presence(
    request: HttpRequest,
    gateway: web::Data<GatewayService>,
    context: RequestContext,
) -> Result<HttpResponse, ApiError> {
    let caller = gateway
        .authenticator
        .authenticate(request.headers(), &context)
        .await
        .map_err(|failure| match failure {
            AuthFailure::Token(error) => ApiError::from(error),
            AuthFailure::Gateway(error) => ApiError::from(error),
        })?;
    if matches!(caller, Caller::Guest) {
        return Err(nexus_http::token::TokenError::Missing.into());
    }
    match gateway.hub.presence().engines().await {
        Ok(engines) => Ok(HttpResponse::Ok().json(PresenceList { engines })),
        Err(error) => {
            tracing::warn!(error = %error, "Reading the fleet's presence failed.");
            Ok(GatewayError::PresenceUnavailable.to_response(&[]))
        }
    }
}
