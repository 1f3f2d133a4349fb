//! `POST /v1/retrohunts`: run the caller's YARA rules, in the background, over the samples the
//! caller may read.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::CreateRetrohunt;
use nexus_proto::analysis::RetrohuntView;
use nexus_proto::analysis::RuleCompileErrorBody;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::{AnalysisError, RetrohuntQuotaKind};
use crate::routes::create_ruleset::compile_error_response;
use crate::routes::get_ruleset::readable_ruleset;
use crate::rules::check_source;
use crate::settings::RetrohuntQuota;
use crate::store::{NewRetrohunt, RetrohuntUsage};

/// Checks `retrohunt:create` and the caller's daily quotas (429 `hunts_per_day_exceeded` or
/// `bytes_per_day_exceeded`), takes the
/// rules from `source` or from a ruleset the caller may read (`ruleset_id`), checks that they
/// compile (400 with line and column otherwise), creates the hunt and queues its first chunk;
/// answers 202 with its state. The hunt scans only samples its owner may read (`file:read`
/// for the owner, sample by sample) and its results are its owner's alone.
#[utoipa::path(
    post,
    path = "/v1/retrohunts",
    tag = "analysis",
    request_body = CreateRetrohunt,
    responses(
        (status = 202, description = "Queued; poll it for progress and results", body = RetrohuntView),
        (status = 400, description = "Does not compile", body = RuleCompileErrorBody),
        (status = 401, description = "No or an invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or an API key without `retrohunt:create` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "`ruleset_id` names no ruleset the caller may read", body = ErrorBody),
        (status = 422, description = "Both or neither of `source` and `ruleset_id`", body = ErrorBody),
        (status = 429, description = "The role's daily hunts (`hunts_per_day_exceeded`) or bytes scanned (`bytes_per_day_exceeded`) are used up", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_retrohunt(
    service: web::Data<AnalysisService>,
    caller: Caller,
    body: nexus_http::Json<CreateRetrohunt>,
) -> Result<HttpResponse, ApiError> {
    let claims = caller.require_signed_in().map_err(AnalysisError::from)?;
    let (owner, owner_role) = (claims.sub.clone(), claims.highest_role());
    // The token's role is current as of its issue time; a later revocation mark of the owner
    // (a role or status change) makes the hunt read the account again (`retrohunt`).
    let owner_checked_at = i64::try_from(claims.issued_at_ms())
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let id = Uuid::now_v7();
    caller
        .authorize(
            Action::RetrohuntCreate,
            Resource::Retrohunt {
                id: id.to_string(),
                owner: owner.clone(),
            },
        )
        .map_err(AnalysisError::from)?;
    let CreateRetrohunt { source, ruleset_id } = body.into_inner();
    let (source, ruleset_id) = match ruleset_id {
        Some(_) if !source.is_empty() => {
            return Err(AnalysisError::RetrohuntSourceAmbiguous.into());
        }
        Some(ruleset_id) => {
            let ruleset = readable_ruleset(&service.store, &caller, ruleset_id).await?;
            (ruleset.source, Some(ruleset_id))
        }
        None => (source, None),
    };
    let limit = service.settings.max_rules_bytes;
    if source.is_empty() {
        return Err(AnalysisError::RulesEmpty.into());
    }
    if source.len() > limit {
        return Err(AnalysisError::RulesTooLarge { limit }.into());
    }
    if let Err(error) = check_source("retrohunt".to_owned(), source.clone()).await {
        return compile_error_response(error);
    }
    let quota = service.settings.retrohunt_quotas.of(owner_role);
    let hunt = NewRetrohunt {
        id,
        owner: &owner,
        owner_role,
        owner_checked_at,
        source: &source,
        ruleset_id,
    };
    let view = service
        .store
        .create_retrohunt(&hunt, |usage| admit(quota, usage))
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}

/// Refuses a hunt when the owner's daily hunts (429 `hunts_per_day_exceeded`) or bytes
/// (429 `bytes_per_day_exceeded`) are used up; otherwise the most bytes it may scan: what is
/// left of the daily bytes.
fn admit(quota: RetrohuntQuota, usage: RetrohuntUsage) -> Result<i64, AnalysisError> {
    if usage.hunts >= quota.hunts_per_day {
        return Err(AnalysisError::QuotaExceeded {
            what: RetrohuntQuotaKind::Hunts,
            used: usage.hunts,
            limit: quota.hunts_per_day,
        });
    }
    if usage.bytes >= quota.bytes_per_day {
        return Err(AnalysisError::QuotaExceeded {
            what: RetrohuntQuotaKind::BytesScanned,
            used: usage.bytes,
            limit: quota.bytes_per_day,
        });
    }
    Ok(quota.bytes_per_day.saturating_sub(usage.bytes))
}
