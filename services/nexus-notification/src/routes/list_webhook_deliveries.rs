//! `GET /v1/webhooks/endpoints/{id}/deliveries`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{WebhookDeliveryPage, WebhookPageQuery, path_id};
use crate::webhooks::error::WebhookError;

/// The delivery log of one of the caller's endpoints: every attempt, newest first, with its
/// status, latency and the answer's first KiB.
#[utoipa::path(
    get,
    path = "/v1/webhooks/endpoints/{id}/deliveries",
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id"), WebhookPageQuery),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of attempts", body = WebhookDeliveryPage),
        (status = 400, description = "`invalid_query` or `invalid_cursor`", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "Not one of the caller's endpoints (`webhook_endpoint_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn list_webhook_deliveries(
    service: web::Data<NotificationService>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<WebhookPageQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    let user_id = own_account(&caller, Action::UserReadPrivate)?;
    let id = path_id(&path, WebhookError::EndpointNotFound)?;
    let limit = query.limit()?;
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| {
            cursor
                .parse::<i64>()
                .map_err(|_| NotificationError::InvalidCursor)
        })
        .transpose()?;
    if service.store.endpoint(user_id, id).await?.is_none() {
        return Err(NotificationError::from(WebhookError::EndpointNotFound).into());
    }
    let rows = service.store.deliveries(id, before, limit).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|row| row.id.to_string()))
        .flatten();
    Ok(web::Json(WebhookDeliveryPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
