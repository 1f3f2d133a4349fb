//! `GET /ws`: the WebSocket hub. A valid, unrevoked `Authorization: Bearer` on the upgrade
//! request signs in at once (an invalid or revoked one is refused with 401 before the upgrade);
//! otherwise the server greets with `auth_required` and waits for an `auth` message.

use actix_web::body::{BodyStream, MessageBody};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;

use crate::GatewayService;
use crate::error::GatewayError;
use crate::routes::origin;
use crate::ws::connection::{Wire, WsCredential, WsIdentity, serve};
use crate::ws::transport::{Inbound, Outbound};

/// Mounts `/ws`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/ws").route(web::get().to(open_socket)));
}

/// Upgrades the connection and hands it to the hub.
#[utoipa::path(
    get,
    path = "/ws",
    tag = "gateway",
    responses(
        (status = 101, description = "WebSocket: sign in (bearer header, `auth` message with a token, or the Ed25519 challenge), then `subscribe` to `bounties`, `bounty:{id}`, `analysis:{id}`, `user`, `leaderboard` (authorized by the Cedar policies, at most `gateway.ws.max_subscriptions` per connection); closed with 4002 when the token expires, 4003 when the token or key is revoked; messages are in nexus-proto `ws`"),
        (status = 401, description = "The upgrade request carried an invalid or revoked bearer token"),
        (status = 429, description = "`rate_limited`: too many connection attempts from this address (`gateway.rate_limit.ws_connects_per_ip`); `Retry-After` says when to reconnect")
    )
)]
pub async fn open_socket(
    request: HttpRequest,
    body: web::Payload,
    gateway: web::Data<GatewayService>,
) -> Result<HttpResponse, actix_web::Error> {
    // Before any signature check: a reconnect storm is refused at the cost of one Redis call.
    let client = origin(&request, &gateway.settings.trusted_proxies).client;
    if let Some(decision) = gateway.limiter.check_ws_connect(client).await
        && !decision.allowed
    {
        let refusal = GatewayError::RateLimited {
            retry_after: decision.retry_after,
        };
        return Ok(refusal.to_response(&decision.headers()));
    }
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let identity = match bearer {
        Some(token) => {
            let identity =
                gateway
                    .authenticator
                    .identity_from_token(&token)
                    .map_err(|token_error| {
                        gateway
                            .metrics
                            .ws_auth_failed(nexus_http::HttpError::code(&token_error));
                        ApiError::from(token_error)
                    })?;
            gateway
                .authenticator
                .check_revocation(&identity.claims)
                .map_err(|refusal| {
                    gateway
                        .metrics
                        .ws_auth_failed(nexus_http::HttpError::code(&refusal));
                    ApiError::from(refusal)
                })?;
            Some(WsIdentity {
                user_id: identity.claims.sub.clone(),
                role: identity.role,
                credential: WsCredential::Token {
                    claims: Box::new(identity.claims),
                    token,
                },
            })
        }
        None => None,
    };
    let mut response = actix_http::ws::handshake(request.head()).map_err(|handshake| {
        ApiError::from(GatewayError::NotAWebSocket {
            reason: handshake_problem(&handshake).to_owned(),
        })
    })?;
    let (registration, queue) = gateway.hub.register(gateway.settings.ws.send_queue);
    let (outbound, closer) = Outbound::new(queue, gateway.metrics.ws_messages_out.clone());
    let wire = Wire {
        registration,
        closer,
        inbound: Inbound::new(body, gateway.settings.ws.max_message_bytes),
    };
    actix_web::rt::spawn(serve(gateway, wire, identity));
    let response = response.message_body(BodyStream::new(outbound).boxed())?;
    Ok(response.into())
}

/// What a refused upgrade request lacked, in words a client developer can act on.
fn handshake_problem(error: &actix_http::ws::HandshakeError) -> &'static str {
    use actix_http::ws::HandshakeError;
    match error {
        HandshakeError::GetMethodRequired => "upgrade with GET",
        HandshakeError::NoWebsocketUpgrade | HandshakeError::NoConnectionUpgrade => {
            "send `Connection: Upgrade` and `Upgrade: websocket`"
        }
        HandshakeError::NoVersionHeader | HandshakeError::UnsupportedVersion => {
            "send `Sec-WebSocket-Version: 13`"
        }
        HandshakeError::BadWebsocketKey => "send a valid `Sec-WebSocket-Key`",
    }
}
