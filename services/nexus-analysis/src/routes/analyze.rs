//! `POST /v1/analyze`: upload a sample as a `multipart/form-data` form (`curl -F file=@x`), as
//! browsers and most clients send files; `POST /v1/files` takes the raw body.

use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, mime, web};
use futures_util::StreamExt;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::analysis::UploadAccepted;
use nexus_runtime::Caller;

use crate::AnalysisService;
use crate::error::AnalysisError;
use crate::routes::upload_file::{
    UploadQuery, authorize_upload, counting_too_large, parse_visibility, refuse_declared_oversize,
    store_and_queue,
};
use crate::sample_store::{Staged, stage_upload};

/// The form's file part.
const FILE_FIELD: &str = "file";
/// Room for the form's framing (boundaries, part headers, a `visibility` field) on top of the
/// sample itself when `Content-Length` is checked against the limit.
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;
/// Largest text field (`visibility`) read.
const MAX_TEXT_FIELD_BYTES: usize = 64;

/// The form `POST /v1/analyze` takes (documentation only: the handler streams the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AnalyzeForm {
    /// The sample: the form's one file part.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `private` (default) or `public`.
    #[schema(value_type = Option<nexus_proto::analysis::SampleVisibility>)]
    visibility: Option<String>,
}

/// The same upload as `POST /v1/files` (streamed to staging while hashed, 413 past
/// `analysis.max_upload_bytes`, 202 with the analysis, deduplicated), with the sample as the
/// form's one file part named `file`. An optional text field `visibility` (or the query
/// parameter) chooses `private` (default) or `public`; other text fields are ignored. The
/// caller is authorized (`file:upload`) before a byte of the body is read.
#[utoipa::path(
    post,
    path = "/v1/analyze",
    tag = "analysis",
    params(UploadQuery),
    request_body(content = AnalyzeForm, content_type = "multipart/form-data", description = "A form with one file part named `file` (the sample) and optionally a text field `visibility`"),
    responses(
        (status = 202, description = "Stored and queued (or a duplicate of a stored sample)", body = UploadAccepted),
        (status = 400, description = "No file part (`file_part_missing`), several files (`several_files`), a malformed form (`multipart_invalid`), an empty or interrupted file, or an invalid `visibility`", body = ErrorBody),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`) or an API key without `file:upload` (`scope_insufficient`)", body = ErrorBody),
        (status = 413, description = "A file larger than `analysis.max_upload_bytes` (`sample_too_large`)", body = ErrorBody),
        (status = 415, description = "Not a `multipart/form-data` body (`multipart_required`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn analyze(
    service: web::Data<AnalysisService>,
    caller: Caller,
    context: RequestContext,
    request: HttpRequest,
    query: web::Query<UploadQuery>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let query_visibility = parse_visibility(query.visibility.as_deref())?;
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| mime.type_() == mime::MULTIPART && mime.subtype() == mime::FORM_DATA);
    caller.require_signed_in().map_err(AnalysisError::from)?;
    if !is_form {
        return Err(AnalysisError::MultipartRequired.into());
    }
    // Decided before a byte is read, with the query's visibility (again below if the form
    // chose another).
    let subject = authorize_upload(&caller, query_visibility)?;
    let limit = service.settings.max_upload_bytes;
    refuse_declared_oversize(
        &service,
        &request,
        limit,
        limit.saturating_add(FORM_OVERHEAD_BYTES),
    )?;
    let (staged, form_visibility) =
        counting_too_large(&service, read_form(form, &service, limit).await)?;
    let visibility = match form_visibility {
        Some(text) => parse_visibility(Some(&text))?,
        None => query_visibility,
    };
    if visibility != query_visibility {
        authorize_upload(&caller, visibility)?;
    }
    store_and_queue(&service, &subject, visibility, staged, &context).await
}

/// Reads the whole form: the one file part staged, the `visibility` field if any.
async fn read_form(
    mut form: Multipart,
    service: &AnalysisService,
    limit: u64,
) -> Result<(Staged, Option<String>), AnalysisError> {
    let mut staged = None;
    let mut visibility = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let is_file = field
            .content_disposition()
            .is_some_and(|disposition| disposition.get_filename().is_some());
        let name = field.name().unwrap_or_default().to_owned();
        if is_file || name == FILE_FIELD {
            if staged.is_some() {
                return Err(AnalysisError::SeveralFiles);
            }
            if name != FILE_FIELD {
                return Err(AnalysisError::FilePartMissing);
            }
            staged = Some(stage_upload(&mut field, service.samples.staging_dir(), limit).await?);
            continue;
        }
        // A text field: only `visibility` means something; any is short.
        let mut text = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if text.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                return Err(AnalysisError::MultipartInvalid(format!(
                    "the text field {:?} is longer than {MAX_TEXT_FIELD_BYTES} bytes",
                    name.chars().take(40).collect::<String>()
                )));
            }
            text.extend_from_slice(&chunk);
        }
        if name == "visibility" {
            visibility = Some(String::from_utf8_lossy(&text).trim().to_owned());
        }
    }
    let staged = staged.ok_or(AnalysisError::FilePartMissing)?;
    Ok((staged, visibility))
}

fn malformed(error: actix_multipart::MultipartError) -> AnalysisError {
    AnalysisError::MultipartInvalid(error.to_string())
}
