//! `GET /v1/analyses/{id}/export?format=stix|misp`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use serde::Deserialize;
use uuid::Uuid;

use crate::AnalysisService;
use crate::domain::export::{ExportFormat, ExportInput, misp, stix};
use crate::error::AnalysisError;
use crate::routes::readable_analysis;

/// The query of the export route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `stix` (a STIX 2.1 bundle, the default) or `misp` (a MISP event). Parsed by the
    /// handler, so any other value is the route's own 400 `invalid_export_format`.
    #[param(inline, value_type = Option<ExportFormatName>)]
    pub format: Option<String>,
}

/// The export formats, as the API document lists them.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExportFormatName {
    /// A STIX 2.1 bundle.
    Stix,
    /// A MISP event.
    Misp,
}

/// A finished analysis as a STIX 2.1 bundle or a MISP event, for threat-intelligence platforms
/// (docs/ENGINE.md, "Exports"). Readable exactly when `GET /v1/analyses/{id}` is: the same
/// `analysis:read` decision, so an analysis the caller may not read is 404.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}/export",
    params(("id" = uuid::Uuid, Path, description = "The analysis id"), ExportQuery),
    tag = "analysis",
    responses(
        (status = 200, description = "The export, as an attachment: a STIX 2.1 bundle, or a MISP event (`{\"Event\": {...}}`)", content(
            (Object = "application/stix+json;version=2.1"),
            (Object = "application/json")
        )),
        (status = 400, description = "`format` is neither `stix` nor `misp` (`invalid_export_format`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without the `analysis:read` scope (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such analysis, or not one the caller may read", body = ErrorBody),
        (status = 409, description = "The analysis has no report yet, or failed (`analysis_not_finished`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn export_analysis(
    service: web::Data<AnalysisService>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let requested = query
        .into_inner()
        .format
        .unwrap_or_else(|| "stix".to_owned());
    let format = ExportFormat::parse(&requested)
        .ok_or_else(|| AnalysisError::InvalidExportFormat(requested.chars().take(40).collect()))?;
    let (view, access) = readable_analysis(&service.store, &caller, id).await?;
    let report = view
        .report
        .as_deref()
        .ok_or(AnalysisError::AnalysisNotFinished(id))?;
    let input = ExportInput {
        analysis_id: id,
        report,
        created_at: view.created_at,
        started_at: view.started_at,
        completed_at: view.completed_at,
        visibility: access.visibility(),
    };
    let body = match format {
        ExportFormat::Stix => stix::bundle(&input),
        ExportFormat::Misp => misp::event(&input),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", format.file_name(id)),
        ))
        .body(body.to_string()))
}
