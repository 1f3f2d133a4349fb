//! `POST /internal/v1/files/{sha256}/bounty-artifact`: nexus-bounty, posting a bounty on a file,
//! asks whether the file exists and its creator may use it, and marks it a bounty's artifact so
//! analysts may read it (docs/AUTHORIZATION.md, "Samples and analyses"). Service token only: the
//! route is internal; the account it acts for is in the body.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::bounty_intents::{BountyArtifact, MarkBountyArtifact};

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::sha256_path;

/// 200 with the file's address and size once it is marked; 404 `file_not_found` when it is not
/// stored or `user_id` neither uploaded it nor may read it as public (one answer for both, so
/// probing hashes through a bounty reveals nothing). Idempotent.
pub async fn mark_bounty_artifact(
    service: web::Data<AnalysisService>,
    path: web::Path<String>,
    body: nexus_http::Json<MarkBountyArtifact>,
) -> Result<web::Json<BountyArtifact>, ApiError> {
    let sha256 = sha256_path(&path)?;
    let user_id = body.into_inner().user_id.to_string();
    let (sha256, size) = service
        .store
        .mark_bounty_artifact(&sha256, &user_id)
        .await?
        .ok_or(AnalysisError::BountyFileNotFound(sha256))?;
    let size = u64::try_from(size)
        .map_err(|_| AnalysisError::Corrupt(format!("sample {sha256} has size {size}")))?;
    Ok(web::Json(BountyArtifact { sha256, size }))
}
