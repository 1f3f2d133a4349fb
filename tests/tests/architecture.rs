//! Architecture invariants from docs/ARCHITECTURE.md, checked against `cargo metadata` so a
//! violating dependency fails CI instead of waiting for review.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Crates that talk to the outside world; none may depend on another.
const ADAPTERS: &[&str] = &[
    "nexus-db",
    "nexus-bus",
    "nexus-http",
    "nexus-client",
    "nexus-chain",
];

/// Frameworks and I/O crates the pure crates (core, proto) must never pull in.
const FRAMEWORKS: &[&str] = &[
    "actix-web",
    "actix-ws",
    "actix-http",
    "actix-rt",
    "axum",
    "hyper",
    "tokio",
    "async-std",
    "sqlx",
    "redis",
    "reqwest",
    "tracing-actix-web",
    "alloy",
    "ethers",
    "yara-x",
    "goblin",
    "figment",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Workspace package name → (manifest path, names of all its dependencies of every kind).
fn workspace_packages() -> BTreeMap<String, (PathBuf, Vec<String>)> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            // What the package's code links: normal and build dependencies. A service's tests
            // may run the real services it asks over REST (dev-dependencies: nexus-bounty's
            // tests start nexus-user and nexus-analysis instead of mocking them); its library
            // and binary never link one.
            let dependencies = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dependency| dependency["kind"].as_str() != Some("dev"))
                .map(|dependency| dependency["name"].as_str().unwrap().to_owned())
                .collect();
            let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
            (
                package["name"].as_str().unwrap().to_owned(),
                (manifest, dependencies),
            )
        })
        .collect()
}

fn is_service(manifest: &Path) -> bool {
    manifest
        .parent()
        .and_then(Path::parent)
        .is_some_and(|directory| directory.ends_with("services"))
}

fn service_names(packages: &BTreeMap<String, (PathBuf, Vec<String>)>) -> Vec<String> {
    packages
        .iter()
        .filter(|(_, (manifest, _))| is_service(manifest))
        .map(|(name, _)| name.clone())
        .collect()
}

/// For every package `applies_to` selects: the services among its dependencies.
fn service_dependencies(applies_to: impl Fn(&str, &Path) -> bool) -> Vec<(String, Vec<String>)> {
    let packages = workspace_packages();
    let services = service_names(&packages);
    assert_eq!(
        services.len(),
        9,
        "expected the nine services, found {services:?}"
    );
    packages
        .iter()
        .filter(|(name, (manifest, _))| applies_to(name, manifest))
        .map(|(name, (_, dependencies))| {
            (
                name.clone(),
                dependencies
                    .iter()
                    .filter(|dependency| services.contains(dependency))
                    .cloned()
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn no_service_depends_on_another_service() {
    for (name, offending) in service_dependencies(|_, manifest| is_service(manifest)) {
        assert!(
            offending.is_empty(),
            "{name} depends on the service(s) {offending:?}; ask over REST or the bus instead"
        );
    }
}

#[test]
fn shared_crates_never_depend_on_services() {
    for (name, offending) in
        service_dependencies(|name, manifest| !is_service(manifest) && name != "nexus-e2e")
    {
        assert!(
            offending.is_empty(),
            "shared crate {name} depends on service(s) {offending:?}"
        );
    }
}

#[test]
fn core_and_proto_depend_on_no_framework() {
    let packages = workspace_packages();
    for pure in ["nexus-core", "nexus-proto"] {
        let (_, dependencies) = &packages[pure];
        let offending: Vec<&String> = dependencies
            .iter()
            .filter(|dependency| {
                FRAMEWORKS.iter().any(|framework| {
                    dependency == framework || dependency.starts_with(&format!("{framework}-"))
                }) || (dependency.starts_with("nexus-") && dependency.as_str() != "nexus-core")
            })
            .collect();
        assert!(
            offending.is_empty(),
            "{pure} must stay framework-free but depends on {offending:?}"
        );
    }
}

#[test]
fn adapters_do_not_depend_on_each_other() {
    let packages = workspace_packages();
    for adapter in ADAPTERS {
        let Some((_, dependencies)) = packages.get(*adapter) else {
            continue;
        };
        let offending: Vec<&String> = dependencies
            .iter()
            .filter(|dependency| ADAPTERS.contains(&dependency.as_str()) && dependency != adapter)
            .collect();
        assert!(
            offending.is_empty(),
            "{adapter} depends on the adapter(s) {offending:?}; compose them in nexus-runtime"
        );
    }
}

#[test]
fn every_crate_uses_the_workspace_lints_and_is_unpublished() {
    for (name, (manifest, _)) in workspace_packages() {
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{name} must opt into [workspace.lints]"
        );
        assert!(
            text.contains("publish.workspace = true"),
            "{name} must inherit publish = false"
        );
        let directory = manifest
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            directory,
            if name == "nexus-e2e" {
                "tests"
            } else {
                name.as_str()
            },
            "directory name == package name"
        );
    }
}

#[test]
fn service_mains_stay_thin() {
    for (name, (manifest, _)) in workspace_packages() {
        if !is_service(&manifest) {
            continue;
        }
        let main = std::fs::read_to_string(manifest.parent().unwrap().join("src/main.rs")).unwrap();
        let code_lines = main
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with("//"))
            .count();
        assert!(
            code_lines <= 15,
            "{name}/src/main.rs has {code_lines} code lines; the runtime owns start-up"
        );
    }
}

/// `unsafe_code` is denied workspace-wide with exactly one audited exception: the analysis
/// worker's read-only map of an immutable stored sample (docs/DECISIONS.md, "Mapped samples").
#[test]
fn unsafe_code_is_allowed_in_one_audited_place_only() {
    const AUDITED: &str = "services/nexus-analysis/src/sample_store.rs";
    let root = workspace_root();
    let mut allowing = Vec::new();
    let mut pending = vec![
        root.join("crates"),
        root.join("services"),
        root.join("tests"),
    ];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let allows = text.lines().any(|line| {
                    let line = line.trim_start();
                    !line.starts_with("//")
                        && line.contains("unsafe_code")
                        && (line.contains("allow(") || line.contains("expect("))
                });
                if allows {
                    allowing.push(path.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
    }
    assert_eq!(
        allowing,
        vec![AUDITED.to_owned()],
        "files that allow unsafe_code"
    );
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "the workspace lint must stay deny (forbid would refuse the audited exception; warn or allow would let any file in)"
    );
}

/// The files every service has (docs/SERVICE_TEMPLATE.md), so the next feature fills in a known
/// file instead of inventing a place for itself.
const TEMPLATE_FILES: &[&str] = &[
    "src/main.rs",
    "src/lib.rs",
    "src/settings.rs",
    "src/error.rs",
    "src/domain/mod.rs",
    "src/store/mod.rs",
    "src/routes/mod.rs",
    "src/routes/openapi.rs",
    "src/events.rs",
    "src/workers.rs",
    "src/metrics.rs",
    "tests/api/main.rs",
    "tests/api/helpers.rs",
];

/// The parts of every `lib.rs` header (its `//!` crate docs), as `lib.rs: <part>`.
const TEMPLATE_HEADER_PARTS: &[&str] = &["Owns", "Does not own", "Layout", "invariant"];

/// Template items a service lacks for good, with the reason. Each is checked to be still
/// missing, so the list cannot outlive its reason.
const TEMPLATE_EXCEPTIONS: &[(&str, &str, &str)] = &[(
    "nexus-gateway",
    "src/store/mod.rs",
    "the gateway owns no PostgreSQL schema (its only dependency is Redis), so it has no SQL",
)];

/// The template items `directory` (a service crate) lacks.
fn missing_template_items(directory: &Path) -> Vec<String> {
    let mut missing: Vec<String> = TEMPLATE_FILES
        .iter()
        .filter(|file| !directory.join(file).is_file())
        .map(|file| (*file).to_owned())
        .collect();
    let header: String = std::fs::read_to_string(directory.join("src/lib.rs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    missing.extend(
        TEMPLATE_HEADER_PARTS
            .iter()
            .filter(|part| !header.contains(*part))
            .map(|part| format!("lib.rs: {part}")),
    );
    missing
}

#[test]
fn every_service_has_the_template_layout() {
    let packages = workspace_packages();
    let services = service_names(&packages);
    let mut problems = Vec::new();
    for name in &services {
        let directory = packages[name].0.parent().unwrap().to_path_buf();
        let missing = missing_template_items(&directory);
        for item in &missing {
            let excepted = TEMPLATE_EXCEPTIONS
                .iter()
                .any(|(service, file, _)| service == name && file == item);
            if !excepted {
                problems.push(format!(
                    "{name} lacks {item} (docs/SERVICE_TEMPLATE.md says what it holds)"
                ));
            }
        }
        let listed = TEMPLATE_EXCEPTIONS
            .iter()
            .map(|(service, file, _)| (*service, *file))
            .filter(|(service, _)| service == name);
        for (_, item) in listed {
            if !missing.iter().any(|missing| missing == item) {
                problems.push(format!(
                    "{name} has {item} now: remove it from the template's exceptions"
                ));
            }
        }
    }
    for (service, item) in TEMPLATE_EXCEPTIONS
        .iter()
        .map(|(service, file, _)| (*service, *file))
    {
        if !services.iter().any(|name| name == service) {
            problems.push(format!("{service} ({item}) is not a service"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The Rust files under `directory`, recursively.
fn rust_files(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The code lines (comments skipped) of every service's `src/` outside `except` (a folder under
/// `src/`, or none) for which `offends` holds, as `path:line: code`.
fn service_lines_where(except: Option<&str>, offends: impl Fn(&str) -> bool) -> Vec<String> {
    let root = workspace_root();
    let mut found = Vec::new();
    for (_, (manifest, _)) in workspace_packages() {
        if !is_service(&manifest) {
            continue;
        }
        let source = manifest.parent().unwrap().join("src");
        for file in rust_files(&source) {
            if except.is_some_and(|folder| file.starts_with(source.join(folder))) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if !code.starts_with("//") && offends(code) {
                    found.push(format!(
                        "{}:{}: {}",
                        file.strip_prefix(&root).unwrap().display(),
                        number + 1,
                        code
                    ));
                }
            }
        }
    }
    found
}

/// A service's SQL and transactions live in its `store/` (docs/SERVICE_TEMPLATE.md): handlers,
/// workers and consumers call store methods, so every query of a schema is in one place and
/// every multi-step write is one store method's transaction.
#[test]
fn sql_and_transactions_stay_in_the_store() {
    const SQL_MARKERS: &[&str] = &[
        "sqlx::query",
        "query!(",
        "query_as!(",
        "query_scalar!(",
        ".begin()",
    ];
    let outside = service_lines_where(Some("store"), |code| {
        SQL_MARKERS.iter().any(|marker| code.contains(marker))
    });
    assert!(
        outside.is_empty(),
        "SQL or a transaction outside a service's store/:\n{}",
        outside.join("\n")
    );
}

/// Request bodies are read with `nexus_http::Json`, which refuses serde's positional array form
/// for an object (docs/DECISIONS.md "Request bodies"); `web::Json` stays for responses only.
#[test]
fn request_bodies_are_read_with_the_strict_extractor() {
    let offending = service_lines_where(None, |code| {
        code.contains(": web::Json<") || code.contains("web::Json(") && code.contains("): ")
    });
    assert!(
        offending.is_empty(),
        "request bodies read with web::Json instead of nexus_http::Json:\n{}",
        offending.join("\n")
    );
}
