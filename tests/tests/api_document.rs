//! The public API document is exact: Schemathesis (scripts/schemathesis.sh) reads the gateway's
//! merged `/api/openapi.json` in front of the real services, sends what the document allows and
//! what it forbids, and every answer must be one the document declares (status, content type,
//! headers, body), with no 5xx, no valid request refused and no invalid one accepted.
//!
//! Needs Python 3 and PyPI (the script installs its pinned Schemathesis once into a cache
//! directory). docs/API_DOCUMENT.md says what is checked and how to run it by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[path = "support/platform.rs"]
mod platform;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_the_document_does_not_say() {
    // Schemathesis sends thousands of requests from one address; the per-address limit would
    // answer most of them 429 and leave the services untested.
    let platform = platform::start_with(|gateway| gateway.rate_limit.enabled = false).await;
    let account = platform.sign_up("schemathesis").await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/schemathesis.sh");
    let mut command = Command::new("bash");
    command
        .arg(script)
        .env("NEXUS_API_URL", platform.gateway.base_url())
        .env("NEXUS_API_TOKEN", &account.token);

    // The services run on this test's runtime: wait for the script off it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("scripts/schemathesis.sh could not be started");

    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "Schemathesis found answers the API document does not declare ({}):\n{report}",
        output.status
    );
    println!("{report}");
}
