//! `GET /v1/bounties`.

use actix_web::{HttpResponse, web};
use nexus_core::bounty::ArtifactKind as CoreKind;
use nexus_core::hex;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::bounty::{ArtifactKind, BountyPage, BountyQuery, BountySort, BountyStatus};
use nexus_runtime::Caller;

use crate::BountyService;
use crate::domain::{cursor, status};
use crate::error::BountyError;
use crate::routes::{resource_of, view_of};
use crate::store::{BountyRow, ListAfter, ListFilter};

/// Default page size.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
const MAX_LIMIT: u32 = 100;

/// Bounties, filtered and sorted, one page at a time (keyset cursor, so pages neither skip nor
/// repeat rows while bounties are posted). Needs `bounty:list`; each row is listed only when
/// `bounty:read` allows it, so a page may hold fewer rows than `limit` while `next_cursor`
/// still leads on.
#[utoipa::path(
    get,
    path = "/v1/bounties",
    params(BountyQuery),
    tag = "bounty",
    responses(
        (status = 200, description = "One page", body = BountyPage),
        (status = 400, description = "A malformed filter or cursor (`invalid_query`, `invalid_filter`, `invalid_cursor`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without `bounty:list` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn list_bounties(
    service: web::Data<BountyService>,
    caller: Caller,
    query: web::Query<BountyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(Action::BountyList, Resource::Platform)
        .map_err(BountyError::from)?;
    let page = page(&service, &caller, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One page of `query` for `caller`: the filters checked, the rows read, each kept only when
/// `bounty:read` allows it. Shared with `GET /v1/me/bounties`, which fixes the creator.
pub(crate) async fn page(
    service: &BountyService,
    caller: &Caller,
    query: BountyQuery,
) -> Result<BountyPage, BountyError> {
    let sort = query.sort.unwrap_or_default();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(BountyError::InvalidFilter(format!(
            "limit must be 1–{MAX_LIMIT}"
        )));
    }
    let after = query
        .cursor
        .as_deref()
        .map(|text| cursor::decode(text, sort))
        .transpose()?;
    let filter = ListFilter {
        status: query.status.map(status_name),
        artifact_kind: query.artifact_kind.map(kind_name),
        creator_id: query.creator,
        artifact_hash: query
            .artifact_hash
            .as_deref()
            .map(artifact_hash)
            .transpose()?,
        limit: i64::from(limit),
    };
    let rows = service
        .store
        .list_bounties(&filter, sort, after.as_ref())
        .await?;
    let next_cursor = match rows.last() {
        Some(last) if rows.len() == limit as usize => Some(cursor::encode(&position(last, sort)?)),
        _ => None,
    };
    let mut bounties = Vec::with_capacity(rows.len());
    for row in &rows {
        if caller.allows(Action::BountyRead, resource_of(row)?) {
            bounties.push(view_of(row)?);
        }
    }
    Ok(BountyPage {
        bounties,
        next_cursor,
    })
}

/// Where `row` stands in `sort`'s order.
fn position(row: &BountyRow, sort: BountySort) -> Result<ListAfter, BountyError> {
    Ok(match sort {
        BountySort::Newest => ListAfter::Newest(row.id),
        BountySort::Reward => ListAfter::Reward(
            row.reward.parse().map_err(|_| {
                BountyError::Internal(format!("bounty {} has reward {:?}", row.id, row.reward))
            })?,
            row.id,
        ),
        BountySort::Deadline => ListAfter::Deadline(row.assertion_deadline, row.id),
    })
}

fn status_name(wire: BountyStatus) -> &'static str {
    status::phase(wire).as_str()
}

fn kind_name(kind: ArtifactKind) -> &'static str {
    match kind {
        ArtifactKind::File => CoreKind::File,
        ArtifactKind::Url => CoreKind::Url,
        ArtifactKind::Contract => CoreKind::Contract,
    }
    .as_str()
}

/// `0x` + 64 hex digits, or a file's bare 64-digit SHA-256.
fn artifact_hash(text: &str) -> Result<[u8; 32], BountyError> {
    hex::decode_array(text.strip_prefix("0x").unwrap_or(text)).ok_or_else(|| {
        BountyError::InvalidFilter(
            "artifact_hash must be 64 hex digits, with or without 0x".to_owned(),
        )
    })
}
