//! `GET /v1/files/{sha256}/download`: the sample's bytes, for analysts and admins only.

use actix_web::body::SizedStream;
use actix_web::http::header::{
    ContentDisposition, DispositionParam, DispositionType, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{HttpResponse, web};
use futures_util::stream;
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use tokio::io::AsyncReadExt;

use crate::AnalysisService;
use crate::domain::may_download;
use crate::error::AnalysisError;
use crate::routes::sha256_path;

/// Bytes read from the store per response chunk.
const CHUNK_BYTES: usize = 64 * 1024;

/// Samples are live malware: only the analyst and admin roles may fetch them (403
/// `download_forbidden` otherwise). The body is streamed as `application/octet-stream` with
/// `Content-Disposition: attachment` and `nosniff`, so no browser renders or runs it inline.
pub async fn download_file(
    service: web::Data<AnalysisService>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let roles = caller.0.roles().unwrap_or_default();
    if !may_download(&roles) {
        return Err(AnalysisError::DownloadForbidden.into());
    }
    let sha256 = sha256_path(&path)?;
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
