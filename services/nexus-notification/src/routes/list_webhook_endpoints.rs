//! `GET /v1/webhooks/endpoints`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::webhook_views::{WebhookEndpointPage, WebhookPageQuery};

/// The caller's endpoints, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/webhooks/endpoints",
    params(WebhookPageQuery),
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's endpoints", body = WebhookEndpointPage),
        (status = 400, description = "A `limit` outside 1–100 (`invalid_query`) or a cursor this list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn list_webhook_endpoints(
    service: web::Data<NotificationService>,
    caller: Caller,
    query: web::Query<WebhookPageQuery>,
) -> Result<web::Json<WebhookEndpointPage>, ApiError> {
    let user_id = own_account(&caller, Action::UserReadPrivate)?;
    let limit = query.limit()?;
    let after = query
        .cursor
        .as_deref()
        .map(|cursor| {
            cursor
                .parse::<Uuid>()
                .map_err(|_| NotificationError::InvalidCursor)
        })
        .transpose()?;
    let rows = service.store.endpoints(user_id, after, limit).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|row| row.id.to_string()))
        .flatten();
    Ok(web::Json(WebhookEndpointPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
