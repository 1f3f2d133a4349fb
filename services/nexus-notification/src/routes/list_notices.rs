//! `GET /v1/notifications`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::notification::{NoticePage, NoticeQuery, NoticeView};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::NotificationService;
use crate::error::NotificationError;
use crate::routes::caller::inbox_owner;
use crate::store::NoticeRow;

/// Default page size.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
const MAX_LIMIT: u32 = 100;

/// The caller's inbox, newest first, a page at a time (`cursor` from the previous page's
/// `next_cursor`); `unread=true` for the unread ones only.
#[utoipa::path(
    get,
    path = "/v1/notifications",
    params(NoticeQuery),
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the inbox", body = NoticePage),
        (status = 400, description = "A `limit` outside 1–100 (`invalid_query`) or a cursor this list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `notification:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn list_notices(
    service: web::Data<NotificationService>,
    caller: Caller,
    query: web::Query<NoticeQuery>,
) -> Result<web::Json<NoticePage>, ApiError> {
    let user_id = inbox_owner(&caller)?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(NotificationError::InvalidQuery(format!("limit must be 1–{MAX_LIMIT}")).into());
    }
    let before = query
        .cursor
        .as_deref()
        .map(|cursor| {
            cursor
                .parse::<Uuid>()
                .map_err(|_| NotificationError::InvalidCursor)
        })
        .transpose()?;
    let rows = service
        .store
        .notices(
            user_id,
            before,
            query.unread.unwrap_or(false),
            i64::from(limit),
        )
        .await?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(last.id.to_string()),
        _ => None,
    };
    Ok(web::Json(NoticePage {
        notices: rows.into_iter().map(view).collect(),
        next_cursor,
    }))
}

/// The wire form of a row.
pub(crate) fn view(row: NoticeRow) -> NoticeView {
    NoticeView {
        id: row.id,
        kind: row.kind,
        title: row.title,
        body: row.body,
        link: row.link,
        data: row.data,
        occurred_at: row.occurred_at,
        read_at: row.read_at,
    }
}
