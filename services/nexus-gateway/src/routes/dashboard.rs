//! The web dashboard at `/`: the built single-page app (`dashboard/`, `vite build`) served from
//! `gateway.dashboard.dir`.
//!
//! - Hashed files under `/assets/` never change under their name: cached for a year, `immutable`.
//! - `index.html` (and every other file) is `no-cache`, so a new release is picked up at once.
//! - The SPA fallback: a `GET` of an unknown path that accepts HTML gets `index.html` (the
//!   client-side router draws the page); anything else is the API's JSON 404. `/api`, `/ws`,
//!   `/health`, `/ready`, `/docs`, `/openapi.json` and `/metrics` are never answered here.
//! - A strict Content-Security-Policy the built pages satisfy: scripts and styles from files of
//!   our origin only (no inline code, no `eval`), fetch and WebSocket to the same origin, never
//!   framed.
//! - Paths are resolved segment by segment inside the directory: `..`, hidden names, encoded or
//!   backslashed segments and symbolic links leading out of it are never served.
//!
//! Without an `index.html` in the directory the dashboard is off (one log line says so) and those
//! paths keep the API's JSON 404.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, guard, web};

use crate::settings::{DashboardSettings, GatewaySettings};

/// The dashboard's Content-Security-Policy. `img-src data:` is for the small images Vite inlines;
/// `style-src` stays `'self'`: styles are set through the CSSOM, which the policy allows.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `Cache-Control` of the content-hashed files under `/assets/`.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Path prefixes that belong to the API and the platform, never to the dashboard.
const RESERVED: [&str; 7] = [
    "/api",
    "/ws",
    "/health",
    "/ready",
    "/docs",
    "/openapi.json",
    "/metrics",
];

/// The directory being served (canonical) and the headers every answer carries.
#[derive(Debug, Clone)]
struct Dashboard {
    root: PathBuf,
    hsts: Option<String>,
}

/// Mounts the dashboard when its directory holds an `index.html`; call it after every other
/// route (its catch-all resource steps aside for reserved paths and other methods).
pub fn configure(config: &mut web::ServiceConfig, settings: &GatewaySettings) {
    let Some(root) = enabled_root(&settings.dashboard) else {
        return;
    };
    let dashboard = Dashboard {
        root,
        hsts: (settings.hsts_max_age_seconds > 0).then(|| {
            format!(
                "max-age={}; includeSubDomains",
                settings.hsts_max_age_seconds
            )
        }),
    };
    config.service(
        web::resource("/{path:.*}")
            .guard(guard::fn_guard(|context| {
                let method = context.head().method.clone();
                (method == actix_web::http::Method::GET || method == actix_web::http::Method::HEAD)
                    && !is_reserved(context.head().uri.path())
            }))
            .app_data(web::Data::new(dashboard))
            .wrap(actix_web::middleware::Compress::default())
            .route(web::get().to(serve))
            .route(web::head().to(serve)),
    );
}

/// The canonical directory, or `None` (logged once per directory) when it has no `index.html`.
fn enabled_root(settings: &DashboardSettings) -> Option<PathBuf> {
    static LOGGED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let root = settings
        .dir
        .canonicalize()
        .ok()
        .filter(|root| root.join("index.html").is_file());
    let mut logged = LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
    if logged
        .get_or_insert_with(HashSet::new)
        .insert(settings.dir.clone())
    {
        match &root {
            Some(root) => tracing::info!(dir = %root.display(), "Serving the dashboard at /."),
            None => tracing::info!(
                dir = %settings.dir.display(),
                "The dashboard is off: the directory has no index.html (build it with dashboard/ci.sh or set gateway.dashboard.dir)."
            ),
        }
    }
    root
}

/// Whether `path` belongs to the API or the platform (`/api`, `/api/...`, not `/apiary`).
pub fn is_reserved(path: &str) -> bool {
    RESERVED.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The file `path` names inside `root`, if the path is a plain one: segments that are not
/// empty, not `.`/`..`, not hidden, without `\`, `%` or control characters.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let mut file = root.to_path_buf();
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        let plain = !segment.starts_with('.')
            && !segment
                .chars()
                .any(|c| c == '\\' || c == '%' || c == ':' || c.is_control());
        if !plain {
            return None;
        }
        file.push(segment);
    }
    Some(file)
}

async fn serve(request: HttpRequest, dashboard: web::Data<Dashboard>) -> HttpResponse {
    let path = request.uri().path();
    let asset = path.starts_with("/assets/");
    if let Some(file) = resolve(&dashboard.root, path)
        && file != dashboard.root
        && let Some(bytes) = read_inside(&dashboard.root, &file).await
    {
        let cache = if asset { IMMUTABLE } else { "no-cache" };
        return respond(&dashboard, content_type(&file), cache, bytes);
    }
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    // A missing asset is a 404, never the page: a stale page asking for an old bundle must see
    // the failure rather than parse HTML as a script.
    if path == "/" || (!asset && wants_html) {
        let index = dashboard.root.join("index.html");
        if let Some(bytes) = read_inside(&dashboard.root, &index).await {
            return respond(&dashboard, "text/html; charset=utf-8", "no-cache", bytes);
        }
    }
    let refusal = nexus_http::error::unknown_route(request.clone()).await;
    let mut answer = actix_web::Responder::respond_to(refusal, &request);
    answer.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    answer
}

/// The file's bytes when it is a regular file whose real path (links followed) is inside `root`.
async fn read_inside(root: &Path, file: &Path) -> Option<Vec<u8>> {
    let real = tokio::fs::canonicalize(file).await.ok()?;
    if !real.starts_with(root) || !tokio::fs::metadata(&real).await.ok()?.is_file() {
        return None;
    }
    tokio::fs::read(&real).await.ok()
}

fn respond(dashboard: &Dashboard, kind: &str, cache: &'static str, bytes: Vec<u8>) -> HttpResponse {
    let mut answer = HttpResponse::Ok();
    answer
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Some(hsts) = &dashboard.hsts {
        answer.insert_header((header::STRICT_TRANSPORT_SECURITY, hsts.as_str()));
    }
    answer.body(bytes)
}

/// The `Content-Type` of the file kinds a Vite build writes.
fn content_type(file: &Path) -> &'static str {
    let extension = file
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_and_platform_paths_are_reserved_on_segment_boundaries() {
        for path in [
            "/api",
            "/api/v1/bounties",
            "/ws",
            "/health",
            "/ready",
            "/docs/x",
        ] {
            assert!(is_reserved(path), "{path}");
        }
        for path in ["/", "/apiary", "/bounties/7", "/wsx", "/readyness"] {
            assert!(!is_reserved(path), "{path}");
        }
    }

    #[test]
    fn only_plain_segments_resolve() {
        let root = Path::new("/srv/dashboard");
        assert_eq!(
            resolve(root, "/assets/app-1a2b.js"),
            Some(root.join("assets/app-1a2b.js"))
        );
        for path in [
            "/../etc/passwd",
            "/assets/../../x",
            "/.env",
            "/assets/%2e%2e/x",
            "/a\\..\\b",
            "/c:/windows",
        ] {
            assert_eq!(resolve(root, path), None, "{path}");
        }
    }
}
