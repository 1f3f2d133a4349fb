//! `GET /v1/files/{sha256}/download`: the sample's bytes, for analysts and admins only.

use actix_web::body::SizedStream;
use actix_web::http::header::{
    ContentDisposition, DispositionParam, DispositionType, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{HttpResponse, web};
use futures_util::stream;
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::ErrorBody;
use tokio::io::AsyncReadExt;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::sha256_path;
use nexus_policy::{Action, LivePolicies, Resource};
use nexus_runtime::authz::decide;

/// Bytes read from the store per response chunk.
const CHUNK_BYTES: usize = 64 * 1024;

/// Samples are live malware: only the analyst and admin roles may fetch them (403
/// `download_forbidden` otherwise). The body is streamed as `application/octet-stream` with
/// `Content-Disposition: attachment` and `nosniff`, so no browser renders or runs it inline.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/download",
    tag = "analysis",
    responses(
        (status = 200, description = "The sample's bytes, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Analysts and admins only (`download_forbidden`)", body = ErrorBody),
        (status = 404, description = "No such sample", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn download_file(
    service: web::Data<AnalysisService>,
    policies: web::Data<LivePolicies>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sha256 = sha256_path(&path)?;
    // The shared Cedar policies decide (file-download-analyst, file-download-analysts-only).
    let decision = decide(
        &policies,
        &caller.0,
        Action::FileDownload,
        Resource::File {
            id: sha256.clone(),
            owner: String::new(),
        },
    );
    if !decision.allowed {
        return Err(AnalysisError::DownloadForbidden.into());
    }
    let (reader, size) = match service.shared.store.open(&sha256).await {
        Ok(opened) => opened,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AnalysisError::SampleNotFound(sha256).into());
        }
        Err(error) => return Err(AnalysisError::Store(error).into()),
    };
    tracing::info!(sha256 = %sha256, subject = %caller.0.sub, "Sample downloaded.");
    let body = stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        let mut buffer = vec![0_u8; CHUNK_BYTES];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(web::Bytes::from(buffer)), Some(reader)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("{sha256}.bin"))],
        })
        .insert_header((X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .body(SizedStream::new(size, Box::pin(body))))
}
