//! `POST /v1/retrohunts`: run YARA rules over every stored sample in the background.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::Envelope;
use nexus_proto::ErrorBody;
use nexus_proto::analysis::RetrohuntView;
use nexus_proto::analysis::RuleCompileErrorBody;
use nexus_proto::analysis::{CreateRetrohunt, RetrohuntRequested};
use uuid::Uuid;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::create_ruleset::compile_error_response;
use crate::rules::check_source;
use crate::store;

/// Checks that the rules compile (400 with line and column otherwise), creates the retrohunt
/// over the samples stored now and queues its first chunk; answers 202 with its state.
#[utoipa::path(
    post,
    path = "/v1/retrohunts",
    tag = "analysis",
    request_body = CreateRetrohunt,
    responses(
        (status = 202, description = "Queued; poll it for progress and results", body = RetrohuntView),
        (status = 400, description = "Does not compile", body = RuleCompileErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_retrohunt(
    service: web::Data<AnalysisService>,
    caller: Authenticated,
    body: web::Json<CreateRetrohunt>,
) -> Result<HttpResponse, ApiError> {
    let shared = &service.shared;
    let CreateRetrohunt { source } = body.into_inner();
    let limit = shared.settings.max_rules_bytes;
    if source.is_empty() || source.len() > limit {
        return Err(AnalysisError::RulesTooLarge { limit }.into());
    }
    if let Err(error) = check_source("retrohunt".to_owned(), source.clone()).await {
        return compile_error_response(error);
    }
    let id = Uuid::now_v7();
    let mut transaction = shared.pool.begin().await.map_err(AnalysisError::from)?;
    store::insert_retrohunt(&mut transaction, id, &caller.0.sub, &source).await?;
    shared
        .outbox
        .enqueue(
            &mut transaction,
            &Envelope::new(RetrohuntRequested { retrohunt_id: id }),
        )
        .await
        .map_err(AnalysisError::from)?;
    // Read before committing: once committed, a fast worker may finish the hunt before this
    // answer is built, and the creation answer must describe the creation (`queued`).
    let view = store::retrohunt(&mut transaction, id)
        .await?
        .ok_or(AnalysisError::RetrohuntNotFound(id))?;
    transaction.commit().await.map_err(AnalysisError::from)?;
    Ok(HttpResponse::Accepted().json(view))
}
