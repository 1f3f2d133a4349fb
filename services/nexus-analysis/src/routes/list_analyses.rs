//! `GET /v1/analyses`: the caller's own analyses, for the dashboard's home charts and history
//! (any device, not only the browser that uploaded).

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::{AnalysisListQuery, AnalysisPage};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;

/// Page size when the query names none.
const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
const MAX_LIMIT: u32 = 100;

/// The analyses of the samples the caller uploaded (whoever started each one: a re-analysis
/// with newer rules is listed too), newest first, without reports. Needs an account and
/// `analysis:list`; every row is of a sample the caller uploaded, which `analysis:read` allows
/// an uploader, so no row needs deciding on its own.
#[utoipa::path(
    get,
    path = "/v1/analyses",
    params(AnalysisListQuery),
    tag = "analysis",
    responses(
        (status = 200, description = "One page of the caller's analyses, newest first", body = AnalysisPage),
        (status = 400, description = "A `limit` outside 1–100 (`invalid_query`) or a cursor the list did not return (`invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "An API key without `analysis:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_analyses(
    service: web::Data<AnalysisService>,
    caller: Caller,
    query: web::Query<AnalysisListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(page(&service, &caller, query.into_inner()).await?))
}

async fn page(
    service: &AnalysisService,
    caller: &Caller,
    query: AnalysisListQuery,
) -> Result<AnalysisPage, AnalysisError> {
    let subject = caller.require_signed_in()?.sub.clone();
    caller.authorize(Action::AnalysisList, Resource::Platform)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AnalysisError::InvalidLimit(limit));
    }
    let before = query.cursor.as_deref().map(decode_cursor).transpose()?;
    // One row more than asked says whether a next page exists.
    let mut analyses = service
        .store
        .uploader_analyses(&subject, before, limit + 1)
        .await?;
    let more = analyses.len() > limit as usize;
    analyses.truncate(limit as usize);
    let next_cursor = more
        .then(|| analyses.last().map(|last| encode_cursor(last.id)))
        .flatten();
    Ok(AnalysisPage {
        analyses,
        next_cursor,
    })
}

/// The cursor after the analysis `id`: `a<id>`, nothing the page did not show.
fn encode_cursor(id: Uuid) -> String {
    format!("a{}", id.simple())
}

fn decode_cursor(text: &str) -> Result<Uuid, AnalysisError> {
    text.strip_prefix('a')
        .filter(|hex| hex.len() == 32)
        .and_then(|hex| Uuid::try_parse(hex).ok())
        .ok_or(AnalysisError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)).ok(), Some(id));
        for garbage in ["", "a", "b0", &id.to_string(), &format!("a{id}"), "a0000"] {
            assert!(decode_cursor(garbage).is_err(), "{garbage}");
        }
    }
}
