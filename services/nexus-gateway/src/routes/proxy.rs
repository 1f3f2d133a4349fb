//! `ANY /api/v1/*`: the public API. Resolve the route, authenticate, rate-limit, authorize,
//! then stream the request to the owning service and its answer back.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use nexus_http::RequestContext;
use nexus_http::service_auth::{SERVICE_TOKEN_HEADER, ServiceCredentials};
use nexus_http::token::TokenError;
use nexus_policy::{Principal, Request as PolicyRequest, RequestContext as PolicyContext};
use nexus_proto::auth::AuthorizationDenied;
use nexus_proto::{Envelope, Event};
use secrecy::ExposeSecret;

use crate::GatewayService;
use crate::auth::{AuthFailure, Caller};
use crate::domain::access::{AccessRule, access_rule};
use crate::domain::headers::{
    CLIENT_IP_HEADER, connection_listed, forward_request_header, forward_response_header,
    forwarded_for_value, is_trusted,
};
use crate::error::GatewayError;
use crate::ratelimit::RateDecision;
use crate::routes::{Origin, origin};
use crate::upstream::{Outgoing, UpstreamBody, UpstreamResponse};

/// Chunks of a request body in flight between the client and the upstream (flat memory).
const BODY_CHUNKS_IN_FLIGHT: usize = 8;

/// Mounts the catch-all proxy route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(web::resource("/v1/{tail:.*}").route(web::route().to(forward_request)));
}

/// The handler: any method under `/api/v1/`.
pub async fn forward_request(
    request: HttpRequest,
    payload: web::Payload,
    gateway: web::Data<GatewayService>,
    context: RequestContext,
) -> HttpResponse {
    let mut rate_headers = Vec::new();
    match handle(&request, payload, &gateway, &context, &mut rate_headers).await {
        Ok(mut response) => {
            for (name, value) in rate_headers {
                response.headers_mut().insert(name, value);
            }
            response
        }
        Err(refusal) => refusal_response(refusal, &rate_headers),
    }
}

/// The answer to a request the gateway refused itself (shared with its own routes).
pub(crate) fn refusal_response(
    refusal: Refusal,
    rate_headers: &[(HeaderName, HeaderValue)],
) -> HttpResponse {
    match refusal {
        Refusal::Gateway(error) => error.to_response(rate_headers),
        Refusal::Token(error) => {
            let api_error = nexus_http::ApiError::from(error);
            let mut response = HttpResponse::build(api_error.status()).json(api_error.body());
            match api_error.retry_after_seconds() {
                // Not ready to judge tokens yet (503): not the token's fault, so no challenge.
                Some(seconds) => {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                None => {
                    response.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Bearer error=\"invalid_token\""),
                    );
                }
            }
            response
        }
    }
}

/// Why the gateway answered itself.
pub(crate) enum Refusal {
    Gateway(GatewayError),
    Token(TokenError),
}

impl From<GatewayError> for Refusal {
    fn from(error: GatewayError) -> Self {
        Refusal::Gateway(error)
    }
}

impl From<AuthFailure> for Refusal {
    fn from(failure: AuthFailure) -> Self {
        match failure {
            AuthFailure::Token(error) => Refusal::Token(error),
            AuthFailure::Gateway(error) => Refusal::Gateway(error),
        }
    }
}

async fn handle(
    request: &HttpRequest,
    payload: web::Payload,
    gateway: &GatewayService,
    context: &RequestContext,
    rate_headers: &mut Vec<(HeaderName, HeaderValue)>,
) -> Result<HttpResponse, Refusal> {
    let full_path = request.path();
    let api_path = full_path.strip_prefix("/api").unwrap_or(full_path);
    let not_found = || GatewayError::NotFound {
        method: request.method().to_string(),
        path: full_path.to_owned(),
    };
    let route = gateway.routes.resolve(api_path).map_err(|_| not_found())?;
    let upstream = gateway
        .upstreams
        .get(route.upstream)
        .ok_or_else(not_found)?;
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > route.max_body_bytes) {
        return Err(GatewayError::PayloadTooLarge {
            limit: route.max_body_bytes,
        }
        .into());
    }

    let trusted = &gateway.settings.trusted_proxies;
    let Origin {
        peer,
        client: ip,
        forwarded_for,
    } = origin(request, trusted);

    // An address that keeps failing authentication is refused before its next API key is
    // introspected: a flood of random keys costs auth nothing past the quota.
    if gateway.authenticator.needs_introspection(request.headers())
        && let Some(decision) = gateway.limiter.auth_failures_exhausted(ip).await
    {
        rate_headers.extend(decision.headers());
        return Err(rate_limited(decision).into());
    }
    let caller = match gateway
        .authenticator
        .authenticate(request.headers(), context)
        .await
    {
        Ok(caller) => caller,
        Err(failure) => {
            gateway.metrics.auth_failed(failure.reason());
            if failure.is_client_failure()
                && let Some(decision) = gateway.limiter.check_auth_failure(ip).await
                && !decision.allowed
            {
                rate_headers.extend(decision.headers());
                return Err(rate_limited(decision).into());
            }
            return Err(failure.into());
        }
    };
    if let Some(decision) = gateway.limiter.check(ip, &caller).await {
        rate_headers.extend(decision.headers());
        if !decision.allowed {
            return Err(rate_limited(decision).into());
        }
    }
    authorize(gateway, &caller, request.method(), api_path, ip, context)?;

    let mut headers = http::HeaderMap::new();
    let listed = connection_listed(
        request
            .headers()
            .get_all(header::CONNECTION)
            .filter_map(|value| value.to_str().ok()),
    );
    for (name, value) in request.headers() {
        if forward_request_header(name.as_str(), &listed) {
            append(&mut headers, name.as_str(), value.as_bytes());
        }
    }
    append(
        &mut headers,
        "x-request-id",
        context.request_id.as_str().as_bytes(),
    );
    append(
        &mut headers,
        "traceparent",
        context.trace.to_string().as_bytes(),
    );
    append(
        &mut headers,
        "x-forwarded-for",
        forwarded_for_value(peer, forwarded_for, trusted).as_bytes(),
    );
    // The client address this gateway determined; clients cannot send it (every `x-nexus-*`
    // header of theirs is dropped above). Services believe it only beside the service token,
    // which proves the request came from this gateway and not from another pod that can reach
    // the service port.
    append(&mut headers, CLIENT_IP_HEADER, ip.to_string().as_bytes());
    // (A token that is no header value could not reach `/internal/*` either; without it the
    // service falls back to the peer address, never to a client's claim.)
    if let Some(mut token) = request
        .app_data::<web::Data<ServiceCredentials>>()
        .and_then(|credentials| {
            http::HeaderValue::from_str(credentials.current().expose_secret()).ok()
        })
    {
        token.set_sensitive(true);
        headers.append(SERVICE_TOKEN_HEADER, token);
    }
    let proto = match header_text(request, "x-forwarded-proto") {
        Some(proto) if is_trusted(peer, trusted) => proto.to_owned(),
        _ if request.app_config().secure() => "https".to_owned(),
        _ => "http".to_owned(),
    };
    append(&mut headers, "x-forwarded-proto", proto.as_bytes());
    if let Some(host) = header_text(request, "host") {
        append(&mut headers, "x-forwarded-host", host.as_bytes());
    }
    if let Caller::User(identity) = &caller {
        append(
            &mut headers,
            "authorization",
            format!("Bearer {}", identity.token).as_bytes(),
        );
    }

    let has_body = declared_length.is_some_and(|length| length > 0)
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    let overflowed = Arc::new(AtomicBool::new(false));
    let body = has_body.then(|| stream_body(payload, route.max_body_bytes, overflowed.clone()));
    let method =
        http::Method::from_bytes(request.method().as_str().as_bytes()).map_err(|_| not_found())?;
    let path_and_query = match request.query_string() {
        "" => api_path.to_owned(),
        query => format!("{api_path}?{query}"),
    };
    let outgoing = Outgoing {
        method,
        path_and_query,
        headers,
        body,
        timeout: route.timeout,
    };
    let response = match gateway.forwarder.send(upstream, outgoing).await {
        Ok(response) => response,
        Err(_) if overflowed.load(Ordering::Relaxed) => {
            return Err(GatewayError::PayloadTooLarge {
                limit: route.max_body_bytes,
            }
            .into());
        }
        Err(error) => return Err(error.into()),
    };
    Ok(relay_response(response, request.method(), &upstream.name).await)
}

fn rate_limited(decision: RateDecision) -> GatewayError {
    GatewayError::RateLimited {
        retry_after: decision.retry_after,
    }
}

/// Cedar, where the gateway can decide (see `domain::access`).
pub(crate) fn authorize(
    gateway: &GatewayService,
    caller: &Caller,
    method: &Method,
    api_path: &str,
    ip: IpAddr,
    context: &RequestContext,
) -> Result<(), Refusal> {
    let (action, resource) = match access_rule(method.as_str(), api_path, caller.user_id()) {
        AccessRule::Open => return Ok(()),
        AccessRule::SignedIn => {
            return match caller {
                Caller::Guest => Err(Refusal::Token(TokenError::Missing)),
                Caller::User(_) => Ok(()),
            };
        }
        AccessRule::Check(action, resource) => (action, resource),
    };
    // An API key acts only within its scopes, whatever its holder's roles allow.
    if let Caller::User(identity) = caller
        && identity.claims.is_api_key()
        && !identity
            .claims
            .scopes()
            .any(|scope| scope == action.as_str())
    {
        gateway.metrics.denied(action.as_str());
        return Err(GatewayError::ScopeInsufficient {
            action: action.as_str(),
        }
        .into());
    }
    let (principal, mfa) = match caller {
        Caller::Guest => (Principal::Guest, false),
        Caller::User(identity) => (
            nexus_runtime::authz::principal_of(&identity.claims),
            identity.claims.has_mfa(),
        ),
    };
    let decision = gateway.decisions.decide(
        &gateway.policies.current(),
        &PolicyRequest {
            principal,
            action,
            resource: resource.clone(),
            context: PolicyContext { mfa, ip: Some(ip) },
        },
    );
    for error in &decision.errors {
        tracing::warn!(code = %error.code, policy = ?error.policy_id, message = %error.message, "A policy failed to evaluate.");
    }
    if decision.allowed {
        return Ok(());
    }
    if matches!(caller, Caller::Guest) {
        return Err(Refusal::Token(TokenError::Missing));
    }
    gateway.metrics.denied(action.as_str());
    let denial = AuthorizationDenied {
        principal: caller.user_id().unwrap_or("guest").to_owned(),
        action: action.as_str().to_owned(),
        resource: describe(&resource),
        determining_policies: decision.determining_policies.clone(),
        service: "nexus-gateway".to_owned(),
        ip: Some(ip.to_string()),
        request_id: Some(context.request_id.to_string()),
    };
    tracing::info!(action = %denial.action, principal = %denial.principal, resource = %denial.resource, "Request denied by policy.");
    let bus = gateway.bus.clone();
    let envelope = Envelope::new(denial).with_traceparent(Some(context.trace.to_string()));
    // Auditing must not slow the refusal down; a lost audit event is logged.
    tokio::spawn(async move {
        if let Err(error) = bus.publish(&envelope).await {
            tracing::warn!(error = %error, stream = AuthorizationDenied::STREAM, "Publishing a denial for the audit log failed.");
        }
    });
    Err(GatewayError::Forbidden {
        action: action.as_str(),
    }
    .into())
}

/// `Kind::"id"`, as the audit log shows resources.
fn describe(resource: &nexus_policy::Resource) -> String {
    use nexus_policy::Resource;
    let id = match resource {
        Resource::Platform => "nexus",
        Resource::Bounty { id, .. }
        | Resource::Analysis { id, .. }
        | Resource::File { id, .. }
        | Resource::Ruleset { id, .. }
        | Resource::Retrohunt { id, .. }
        | Resource::UserAccount { id }
        | Resource::Notification { id, .. } => id.as_str(),
    };
    format!("{}::{id:?}", resource.kind().as_str())
}

fn header_text<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn append(headers: &mut http::HeaderMap, name: &str, value: &[u8]) {
    if let (Ok(name), Ok(value)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        http::HeaderValue::from_bytes(value),
    ) {
        headers.append(name, value);
    }
}

/// Streams the client's body to the upstream through a small bounded channel: the actix
/// payload is read on this worker's thread and never held whole. Past `limit` bytes the stream
/// fails, the upstream request is abandoned and `overflowed` is set.
fn stream_body(mut payload: web::Payload, limit: u64, overflowed: Arc<AtomicBool>) -> UpstreamBody {
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(BODY_CHUNKS_IN_FLIGHT);
    actix_web::rt::spawn(async move {
        let mut received: u64 = 0;
        while let Some(chunk) = payload.next().await {
            let item = match chunk {
                Ok(bytes) => {
                    received += bytes.len() as u64;
                    if received > limit {
                        overflowed.store(true, Ordering::Relaxed);
                        Err(std::io::Error::other("the request body exceeds the limit"))
                    } else {
                        Ok(bytes)
                    }
                }
                Err(error) => Err(std::io::Error::other(error.to_string())),
            };
            let failed = item.is_err();
            if sender.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    let frames = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|item| (item.map(hyper::body::Frame::data), receiver))
    });
    BodyExt::boxed(http_body_util::StreamBody::new(frames))
}

/// Bodies up to this size that the upstream declared are read before answering and sent in one
/// piece (one write, no streaming machinery); larger or undeclared bodies are streamed.
const SMALL_BODY_BYTES: u64 = 64 * 1024;

/// The upstream's answer, streamed back with hop-by-hop headers removed.
async fn relay_response(
    response: UpstreamResponse,
    method: &Method,
    upstream: &str,
) -> HttpResponse {
    let (parts, mut body) = response.into_parts();
    let status = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut builder = HttpResponse::build(status);
    let listed = connection_listed(
        parts
            .headers
            .get_all("connection")
            .iter()
            .filter_map(|value| value.to_str().ok()),
    );
    for (name, value) in &parts.headers {
        if forward_response_header(name.as_str(), &listed)
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_str().as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            )
        {
            builder.append_header((name, value));
        }
    }
    match body.exact_length() {
        _ if *method == Method::HEAD => builder.finish(),
        Some(length) if length <= SMALL_BODY_BYTES => {
            let mut whole = web::BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(chunk) => whole.extend_from_slice(&chunk),
                    // The upstream broke off mid-body: the status line is not sent yet, so
                    // the client gets a clear 502 instead of a truncated 200.
                    Err(error) => {
                        tracing::warn!(error = %error, "An upstream response body failed.");
                        return GatewayError::UpstreamFailed {
                            upstream: upstream.to_owned(),
                            detail: "the response body was cut off".to_owned(),
                        }
                        .to_response(&[]);
                    }
                }
            }
            builder.body(whole.freeze())
        }
        Some(length) => builder.body(SizedStream::new(length, body)),
        None => builder.streaming(body),
    }
}
