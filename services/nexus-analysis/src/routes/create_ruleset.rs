//! `POST /v1/rulesets`: store a YARA ruleset for its author's retrohunts.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::context::current_request_id;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::{CreateRuleset, RuleCompileErrorBody, RulesetView};
use nexus_runtime::Caller;

use crate::AnalysisService;
use crate::domain::is_ruleset_name;
use crate::error::AnalysisError;
use crate::rules::check_source;

/// Compiles the source (400 `yara_compile_error` with line and column when it does not) and
/// stores it, private to its author (`ruleset:create`: analysts and admins), with
/// `RulesetPublished` in the outbox. A ruleset runs only in its author's retrohunts
/// (`POST /v1/retrohunts` with `ruleset_id`), apart from the platform's rules: it never enters
/// anyone's analysis report and never costs other users' analyses time.
#[utoipa::path(
    post,
    path = "/v1/rulesets",
    tag = "analysis",
    request_body = CreateRuleset,
    responses(
        (status = 201, description = "Compiled and stored", body = RulesetView),
        (status = 400, description = "Does not compile (`yara_compile_error`, with line and column)", body = RuleCompileErrorBody),
        (status = 401, description = "No or an invalid access token", body = ErrorBody),
        (status = 403, description = "Not an analyst (`forbidden`) or an API key without `ruleset:create` (`scope_insufficient`)", body = ErrorBody),
        (status = 409, description = "Name taken (`ruleset_exists`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_ruleset(
    service: web::Data<AnalysisService>,
    caller: Caller,
    body: nexus_http::Json<CreateRuleset>,
) -> Result<HttpResponse, ApiError> {
    let owner = caller
        .require_signed_in()
        .map_err(AnalysisError::from)?
        .sub
        .clone();
    caller
        .authorize(
            Action::RulesetCreate,
            Resource::Ruleset {
                id: "new".to_owned(),
                owner: owner.clone(),
                is_public: false,
            },
        )
        .map_err(AnalysisError::from)?;
    let CreateRuleset { name, source } = body.into_inner();
    if !is_ruleset_name(&name) {
        return Err(AnalysisError::InvalidRulesetName(name.chars().take(80).collect()).into());
    }
    let limit = service.settings.max_rules_bytes;
    if source.is_empty() {
        return Err(AnalysisError::RulesEmpty.into());
    }
    if source.len() > limit {
        return Err(AnalysisError::RulesTooLarge { limit }.into());
    }
    if let Err(error) = check_source(name.clone(), source.clone()).await {
        return compile_error_response(error);
    }
    let (id, created_at) = service.store.insert_ruleset(&name, &owner, &source).await?;
    tracing::info!(ruleset_id = id, name = %name, "Stored a user ruleset.");
    Ok(HttpResponse::Created().json(RulesetView {
        id,
        name,
        owner,
        ruleset_version: service.rules.current().version.clone(),
        created_at,
    }))
}

/// 400 with the first error's line and column, or the error as usual when it is not a compile
/// error.
pub(crate) fn compile_error_response(error: AnalysisError) -> Result<HttpResponse, ApiError> {
    let AnalysisError::RuleCompile(compile) = &error else {
        return Err(error.into());
    };
    let (line, column) = (compile.line, compile.column);
    let message = match (line, column) {
        (Some(line), Some(column)) => format!(
            "the YARA source does not compile (line {line}, column {column}): {}",
            compile.message
        ),
        _ => format!("the YARA source does not compile: {}", compile.message),
    };
    Ok(
        HttpResponse::build(StatusCode::BAD_REQUEST).json(RuleCompileErrorBody {
            code: nexus_http::HttpError::code(&error).to_owned(),
            message,
            request_id: current_request_id(),
            line,
            column,
        }),
    )
}
