//! `POST /v1/webhooks/endpoints`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::NotificationService;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{
    CreateWebhookEndpoint, WebhookEndpointCreated, checked_description, checked_event_types,
    checked_url,
};
use crate::store::webhooks::NewEndpoint;
use crate::webhooks::error::WebhookError;
use crate::webhooks::signature::Secret;

/// Registers an endpoint for the caller: the URL is checked with the SSRF-safe fetcher now (and
/// again at every delivery); the answer holds the signing secret, shown this once.
#[utoipa::path(
    post,
    path = "/v1/webhooks/endpoints",
    request_body = CreateWebhookEndpoint,
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the secret is in the answer only", body = WebhookEndpointCreated),
        (status = 400, description = "An internal or unresolvable URL, a forbidden scheme or port (`webhook_url_forbidden`), an unknown kind or too long a field (`invalid_webhook_endpoint`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`)", body = ErrorBody),
        (status = 409, description = "The caller has the most endpoints allowed (`webhook_endpoint_limit`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn create_webhook_endpoint(
    service: web::Data<NotificationService>,
    caller: Caller,
    body: nexus_http::Json<CreateWebhookEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let body = body.into_inner();
    checked_description(&body.description)?;
    let event_types = checked_event_types(&body.event_types)?;
    let url = checked_url(&service, &body.url).await?;
    let secret = Secret::generate();
    let settings = &service.settings.webhooks;
    let created = service
        .store
        .create_endpoint(NewEndpoint {
            id: Uuid::now_v7(),
            user_id,
            url: &url,
            description: &body.description,
            event_types: &event_types,
            secret: &secret.expose(),
            now: settings.clock.now(),
            max_per_user: i64::from(settings.max_endpoints_per_user),
        })
        .await?
        .ok_or(crate::error::NotificationError::from(WebhookError::Limit(
            settings.max_endpoints_per_user,
        )))?;
    Ok(HttpResponse::Created().json(WebhookEndpointCreated {
        endpoint: created.into(),
        secret: secret.expose(),
    }))
}
