//! `GET /v1/files/{sha256}/download`: the sample's bytes, for its uploaders and for analysts
//! who may read it.

use actix_web::body::SizedStream;
use actix_web::http::header::{
    ContentDisposition, DispositionParam, DispositionType, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{HttpResponse, web};
use futures_util::stream;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use tokio::io::AsyncReadExt;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::sha256_path;
use nexus_policy::Action;
use nexus_runtime::{Caller, Denied};

/// Bytes read from the store per response chunk.
const CHUNK_BYTES: usize = 64 * 1024;

/// Samples are live malware: the policies give the bytes only to the sample's uploaders, to
/// analysts for samples they may read, and to admins (`file:download`). A sample the caller
/// may not read at all is 404, as if it were not stored (guests included); one they may read
/// but not download is 403 `download_forbidden` (401 `unauthenticated` for a guest). The body is streamed as `application/octet-stream` with
/// `Content-Disposition: attachment` and `nosniff`, so no browser renders or runs it inline.
#[utoipa::path(
    get,
    path = "/v1/files/{sha256}/download",
    params(("sha256" = String, Path, description = "The sample's SHA-256: 64 lower-case hex digits", min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")),
    tag = "analysis",
    responses(
        (status = 200, description = "The sample's bytes, as an attachment", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "No or an invalid access token", body = ErrorBody),
        (status = 403, description = "Readable but not downloadable by the caller (`download_forbidden`), or an API key without the scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such sample, or not one the caller may read", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn download_file(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let sha256 = sha256_path(&path)?;
    caller
        .require_scope(Action::FileDownload)
        .map_err(AnalysisError::from)?;
    // Existence is hidden from whoever may not read the sample (the policies alone decide
    // here: the key's scope for downloading was checked above).
    let not_found = || AnalysisError::SampleNotFound(sha256.clone());
    let access = service
        .store
        .sample_access(&sha256, caller.subject())
        .await?
        .filter(|access| {
            caller
                .decide(Action::FileRead, access.file(caller.subject()))
                .allowed
        })
        .ok_or_else(not_found)?;
    caller
        .authorize(Action::FileDownload, access.file(caller.subject()))
        .map_err(|denied| match denied {
            Denied::Forbidden { .. } => AnalysisError::DownloadForbidden,
            other => other.into(),
        })?;
    let (reader, size) = match service.samples.open(&sha256).await {
        Ok(opened) => opened,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AnalysisError::SampleNotFound(sha256).into());
        }
        Err(error) => return Err(AnalysisError::Store(error).into()),
    };
    tracing::info!(sha256 = %sha256, subject = ?caller.subject(), "Sample downloaded.");
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
