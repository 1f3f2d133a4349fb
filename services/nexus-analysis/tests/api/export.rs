//! `GET /v1/analyses/{id}/export`: a real analysis exported as STIX 2.1 and as a MISP event,
//! each checked by an independent implementation from PyPI (installed by
//! scripts/engine-tools.sh): the OASIS `stix2-validator` and MISP's own `pymisp`. The tests
//! refuse to pass when those tools are missing.

use std::path::Path;
use std::process::Command;

use nexus_proto::analysis::SampleVisibility;
use serde_json::Value;

use crate::helpers::{Harness, TempDir, fixture};

/// EICAR (so the verdict is malicious) with IOCs after it, one URL carrying a quote, still under
/// the 130 bytes the built-in EICAR rule allows.
fn eicar_with_iocs() -> Vec<u8> {
    let mut bytes = fixture("eicar.com");
    while bytes.last().is_some_and(|byte| byte.is_ascii_whitespace()) {
        bytes.pop();
    }
    bytes.extend_from_slice(b" http://evil-c2.io/gate.php?id='7' 198.51.100.7");
    assert!(bytes.len() < 130, "the EICAR rule needs filesize < 130");
    bytes
}

/// `GET` the export as `token`: status, headers and body bytes.
async fn export(
    harness: &Harness,
    token: &str,
    id: &str,
    format: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = harness
        .http
        .get(harness.url(&format!("/v1/analyses/{id}/export?format={format}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// Runs `program args`, panicking with `install` when the program cannot be started.
fn run(program: &str, args: &[&str], install: &str) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program} could not run ({error}); {install}"))
}

fn python() -> String {
    std::env::var("NEXUS_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The OASIS validator's verdict on `path`: panics with its report unless the bundle is valid
/// STIX 2.1 with no best-practice warning but `uuid-check`.
fn assert_valid_stix(path: &Path) {
    let validator =
        std::env::var("NEXUS_TEST_STIX2_VALIDATOR").unwrap_or_else(|_| "stix2_validator".into());
    let output = run(
        &validator,
        // Strict: a best-practice warning fails too, except `uuid-check` (103), which wants
        // random UUIDv4 ids for SDOs where the export's are deterministic UUIDv5 on purpose.
        &[
            "--version",
            "2.1",
            "--strict",
            "--disable",
            "103",
            path.to_str().unwrap(),
        ],
        "install stix2-validator==3.3.2 (scripts/engine-tools.sh)",
    );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "stix2_validator refused the bundle ({}):\n{report}",
        output.status
    );
    // The validator says so in words too; a run that checked nothing does not count.
    assert!(report.contains("STIX JSON: Valid"), "{report}");
}

/// MISP's own library loads `path` with JSON-schema validation, and every attribute's type is
/// one MISP knows in a category MISP allows for it. Prints the loaded event's attribute
/// `type value` lines.
fn misp_attributes(path: &Path) -> Vec<String> {
    const CHECK: &str = r#"
import sys
from pymisp import MISPEvent
from pymisp.abstract import describe_types
event = MISPEvent()
event.load(open(sys.argv[1]).read(), validate=True)
assert event.info and event.uuid, "an event needs info and uuid"
for attribute in event.attributes:
    allowed = describe_types["category_type_mappings"][attribute.category]
    assert attribute.type in allowed, f"{attribute.type} is not allowed in {attribute.category}"
    print(attribute.type, attribute.value)
"#;
    let output = run(
        &python(),
        &["-c", CHECK, path.to_str().unwrap()],
        "install Python 3",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'pymisp'"),
        "pymisp is not installed; run scripts/engine-tools.sh"
    );
    assert!(
        output.status.success(),
        "pymisp refused the event:\n{stderr}"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malicious_analysis_exports_as_valid_stix_and_misp() {
    let harness = Harness::start().await;
    let accepted = harness
        .upload_as(&harness.user, eicar_with_iocs(), SampleVisibility::Public)
        .await;
    let id = accepted.analysis_id.to_string();
    let analysis = harness.finished(&id).await;
    let report = analysis.report.as_deref().expect("a finished report");
    assert!(
        !report.iocs.urls.is_empty(),
        "the fixture's URL was not extracted: {:?}",
        report.iocs
    );
    let dir = TempDir::new();

    // STIX.
    let (status, headers, body) = export(&harness, &harness.user, &id, "stix").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/stix+json;version=2.1");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"nexus-analysis-{id}.stix.json\"").as_str()
    );
    let path = dir.0.join("bundle.json");
    std::fs::write(&path, &body).unwrap();
    // NEXUS_TEST_EXPORT_DIR keeps a copy to look at.
    if let Ok(keep) = std::env::var("NEXUS_TEST_EXPORT_DIR") {
        std::fs::write(Path::new(&keep).join("bundle.json"), &body).unwrap();
    }
    assert_valid_stix(&path);
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    let of_type = |kind: &str| -> Vec<&Value> {
        objects
            .iter()
            .filter(|object| object["type"] == kind)
            .collect()
    };
    let file = of_type("file");
    assert_eq!(file[0]["hashes"]["SHA-256"], report.hashes.sha256.as_str());
    assert_eq!(file[0]["hashes"]["MD5"], report.hashes.md5.as_str());
    assert_eq!(file[0]["size"], report.file.size);
    let patterns: Vec<&str> = of_type("indicator")
        .iter()
        .map(|indicator| indicator["pattern"].as_str().unwrap())
        .collect();
    for url in &report.iocs.urls {
        let escaped = url.replace('\\', "\\\\").replace('\'', "\\'");
        assert!(
            patterns.contains(&format!("[url:value = '{escaped}']").as_str()),
            "{url}: {patterns:?}"
        );
    }
    assert!(
        report.iocs.urls.iter().any(|url| url.contains('\'')),
        "the quoted URL was extracted as such: {:?}",
        report.iocs.urls
    );
    assert_eq!(
        patterns.len(),
        1 + report.iocs.urls.len() + report.iocs.domains.len() + report.iocs.ipv4.len()
    );
    let malware = of_type("malware");
    assert_eq!(malware.len(), 1, "a malicious verdict names the malware");
    assert_eq!(malware[0]["sample_refs"][0], file[0]["id"]);
    assert_eq!(of_type("malware-analysis")[0]["result"], "malicious");
    assert_eq!(of_type("relationship").len(), patterns.len() + 1);
    // Stable: the same analysis exports the same bytes.
    let (_, _, again) = export(&harness, &harness.user, &id, "stix").await;
    assert_eq!(again, body);

    // MISP.
    let (status, headers, body) = export(&harness, &harness.user, &id, "misp").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/json");
    let path = dir.0.join("event.json");
    std::fs::write(&path, &body).unwrap();
    if let Ok(keep) = std::env::var("NEXUS_TEST_EXPORT_DIR") {
        std::fs::write(Path::new(&keep).join("event.json"), &body).unwrap();
    }
    let attributes = misp_attributes(&path);
    for expected in [
        format!("sha256 {}", report.hashes.sha256),
        format!("sha1 {}", report.hashes.sha1),
        format!("md5 {}", report.hashes.md5),
        "text builtin.eicar_test_file".to_owned(),
    ]
    .into_iter()
    .chain(report.iocs.urls.iter().map(|url| format!("url {url}")))
    .chain(report.iocs.ipv4.iter().map(|ip| format!("ip-dst {ip}")))
    {
        assert!(attributes.contains(&expected), "{expected}: {attributes:?}");
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    let tags: Vec<&str> = event["Event"]["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"tlp:clear"), "a public sample: {tags:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_refused_exactly_as_the_report_is() {
    let harness = Harness::start().await;
    let owner = harness.user.clone();
    let stranger = harness.token(&uuid::Uuid::now_v7().to_string(), &["user"]);
    let accepted = harness
        .upload_as(
            &owner,
            format!("a private export test sample {}", uuid::Uuid::now_v7()).into_bytes(),
            SampleVisibility::Private,
        )
        .await;
    let id = accepted.analysis_id.to_string();
    harness.finished(&id).await;
    let no_scope = harness.api_key_token(crate::helpers::USER_ID, "file:read");

    // A guest's answer is whatever the report route says; the others are pinned.
    for (token, expected) in [
        (Some(stranger.as_str()), Some((404, "analysis_not_found"))),
        (None, None),
        (Some(no_scope.as_str()), Some((403, "scope_insufficient"))),
    ] {
        let (report_status, report_body) = harness
            .call("GET", &format!("/v1/analyses/{id}"), token, None)
            .await;
        assert!(report_status >= 400, "{report_body}");
        if let Some((status, code)) = expected {
            assert_eq!(
                (report_status, report_body["code"].as_str()),
                (status, Some(code))
            );
        }
        for format in ["stix", "misp"] {
            let (status, body) = harness
                .call(
                    "GET",
                    &format!("/v1/analyses/{id}/export?format={format}"),
                    token,
                    None,
                )
                .await;
            assert_eq!(
                (status, body["code"].as_str()),
                (report_status, report_body["code"].as_str()),
                "{format}: {body}"
            );
        }
    }
    // The owner may (STIX by default); an unknown format is a 400 with its own code.
    let (status, body) = harness
        .call(
            "GET",
            &format!("/v1/analyses/{id}/export"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (200, Some("bundle")),
        "{body}"
    );
    // Not malicious: no malware object, and still valid STIX.
    assert!(
        !body["objects"].to_string().contains(r#""type":"malware""#),
        "{body}"
    );
    let dir = TempDir::new();
    let path = dir.0.join("bundle.json");
    std::fs::write(&path, body.to_string()).unwrap();
    assert_valid_stix(&path);
    for query in ["?format=openioc", "?format="] {
        let (status, body) = harness
            .call(
                "GET",
                &format!("/v1/analyses/{id}/export{query}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_export_format")),
            "{body}"
        );
    }
    // A private sample's MISP event is TLP:AMBER.
    let (_, _, body) = export(&harness, &owner, &id, "misp").await;
    let event: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        event["Event"]["Tag"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag["name"] == "tlp:amber"),
        "{event}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_document_describes_the_formats_and_media_types() {
    let harness = Harness::start().await;
    let (status, document) = harness.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    let operation = &document["paths"]["/v1/analyses/{id}/export"]["get"];
    let format = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "format")
        .unwrap_or_else(|| panic!("no format parameter: {operation}"));
    assert_eq!(format["in"], "query");
    assert!(
        format
            .to_string()
            .contains(r#"["stix","misp","html","pdf"]"#),
        "the formats are listed: {format}"
    );
    let mut media: Vec<&String> = operation["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    media.sort();
    assert_eq!(
        media,
        [
            "application/json",
            "application/pdf",
            "application/stix+json;version=2.1",
            "text/html; charset=utf-8"
        ]
    );
    for status in ["400", "404", "409"] {
        assert!(
            operation["responses"][status].is_object(),
            "{status}: {operation}"
        );
    }
}
