//! `GET /v1/analyses/{id}/export?format=stix|misp|html|pdf`: the machine exports (STIX, MISP)
//! and the person's report (HTML, PDF; [`crate::report`]) share one route, one authorization
//! and one set of errors.

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
use crate::report;
use crate::routes::readable_analysis;

/// The query of the export route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `stix` (a STIX 2.1 bundle, the default), `misp` (a MISP event), `html` or `pdf` (a
    /// person's report: a one-page summary, then the details). Parsed by the handler, so any
    /// other value is the route's own 400 `invalid_export_format`.
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
    /// A self-contained HTML report.
    Html,
    /// A PDF report.
    Pdf,
}

/// What `format` asked for: a machine export or a person's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Requested {
    Export(ExportFormat),
    Html,
    Pdf,
}

impl Requested {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "html" => Some(Self::Html),
            "pdf" => Some(Self::Pdf),
            other => ExportFormat::parse(other).map(Self::Export),
        }
    }
}

/// A finished analysis as a STIX 2.1 bundle or a MISP event, for threat-intelligence platforms
/// (docs/ENGINE.md, "Exports"), or as a report for a person: a self-contained HTML page (served
/// with a `Content-Security-Policy` that lets nothing load or run) or a PDF, each a one-page
/// summary and then the details, every table capped. Readable exactly when `GET /v1/analyses/{id}` is: the same
/// `analysis:read` decision, so an analysis the caller may not read is 404.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}/export",
    params(("id" = uuid::Uuid, Path, description = "The analysis id"), ExportQuery),
    tag = "analysis",
    responses(
        (status = 200, description = "The export, as an attachment: a STIX 2.1 bundle, a MISP event (`{\"Event\": {...}}`), an HTML report or a PDF report", content(
            (Object = "application/stix+json;version=2.1"),
            (Object = "application/json"),
            (String = "text/html; charset=utf-8"),
            (Vec<u8> = "application/pdf")
        )),
        (status = 400, description = "`format` is none of `stix`, `misp`, `html`, `pdf` (`invalid_export_format`)", body = ErrorBody),
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
    let format = Requested::parse(&requested)
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
    let attachment = |name: String| {
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
    };
    let format = match format {
        Requested::Export(format) => format,
        Requested::Html => {
            let page = report::html::render(&report::document(&input));
            return Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .insert_header((
                    header::CONTENT_SECURITY_POLICY,
                    report::html::CONTENT_SECURITY_POLICY,
                ))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .insert_header(attachment(format!("nexus-analysis-{id}.html")))
                .body(page));
        }
        Requested::Pdf => {
            // Rendering is CPU work bounded by the caps (a few milliseconds); it stays inline.
            let file = report::pdf::render(&report::document(&input));
            return Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "application/pdf"))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .insert_header(attachment(format!("nexus-analysis-{id}.pdf")))
                .body(file));
        }
    };
    let body = match format {
        ExportFormat::Stix => stix::bundle(&input),
        ExportFormat::Misp => misp::event(&input),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header(attachment(format.file_name(id)))
        .body(body.to_string()))
}
