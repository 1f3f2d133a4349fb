//! No public operation without a row: the operations of the gateway's merged API document
//! (`GET /api/openapi.json`: the gateway's own routes and every upstream's `/v1` paths the
//! route table sends to it) must each have a row in the table, unless [`ALLOWED`] names them
//! with a reason. The upstreams the matrix does not start are not in the merged document (the
//! gateway cannot reach them): their own documents are read instead, so their operations need a
//! row or a reason too.

use serde_json::Value;
use utoipa::OpenApi;

use crate::table::Row;

/// Operations the matrix does not hold, and why. Keep it short: a route belongs in the table.
const ALLOWED: &[(&str, &str, &str)] = &[
    // The WebSocket upgrade: its authorization is per topic and per connection (tokens and
    // keys, subscriptions, expiry), not per request status; tests/tests/gateway.rs tries each
    // topic with each kind of caller.
    (
        "GET",
        "/ws",
        "WebSocket topics are authorized per subscription (tests/tests/gateway.rs)",
    ),
];

/// The upstreams the matrix's platform does not run, with the documents they publish.
fn not_started() -> Vec<(&'static str, Value)> {
    vec![(
        "scanner",
        serde_json::to_value(nexus_scanner::routes::openapi::ApiDoc::openapi()).unwrap(),
    )]
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `path` without its query, every `{placeholder}` made `{}`: a row's path and a document's
/// template compare equal when they name the same route.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Panics listing every documented operation (of the merged document, and of the documents of
/// the upstreams the matrix does not start) without a row or a reason.
pub fn every_operation_has_a_row(document: &Value, table: &[Row]) {
    let paths = document["paths"]
        .as_object()
        .expect("the merged document has paths");
    let rows: Vec<(String, String)> = table
        .iter()
        .map(|row| (row.method.to_owned(), shape(row.path)))
        .collect();
    let mut missing = Vec::new();
    let mut operations = 0;
    let mut check = |method: &str, path: &str| {
        operations += 1;
        let route = (method.to_owned(), shape(path));
        let covered = rows.contains(&route)
            || ALLOWED
                .iter()
                .any(|(allowed, template, _)| *allowed == method && shape(template) == route.1);
        if !covered {
            missing.push(format!("{method} {path}"));
        }
    };
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                check(&method.to_uppercase(), path);
            }
        }
    }
    // The gateway lists the upstreams it could not ask; the matrix starts all but these.
    let unavailable: Vec<&str> = document["x-nexus-unavailable"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let not_started = not_started();
    for name in &unavailable {
        assert!(
            not_started.iter().any(|(known, _)| known == name),
            "the gateway could not read {name}'s API document: the matrix platform must run it"
        );
    }
    for (_, spec) in &not_started {
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                if item.get(method).is_some() {
                    check(&method.to_uppercase(), &format!("/api{path}"));
                }
            }
        }
    }
    assert!(
        operations > 60,
        "only {operations} operations in the merged document: {document}"
    );
    assert!(
        missing.is_empty(),
        "documented operations without a row in tests/tests/authorization_matrix/table.rs \
         (add one, or a reason to ALLOWED in coverage.rs):\n{}",
        missing.join("\n")
    );
}
