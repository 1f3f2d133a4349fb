//! `GET /v1/analyses/{id}/export?format=pdf|html`: the person's report of a real analysis of a
//! hostile sample, read back by independent parsers: pypdf (from PyPI, installed by
//! scripts/engine-tools.sh) reads the PDF's pages and text, Python's own `html.parser` the
//! HTML. The tests refuse to pass when pypdf is missing.

use std::process::Command;

use nexus_proto::analysis::SampleVisibility;
use serde_json::Value;

use crate::helpers::{Harness, TempDir, USER_ID, fixture};

/// EICAR (so the verdict is malicious) followed by markup a browser would run if the report
/// printed it raw; still under the 130 bytes the built-in EICAR rule allows.
fn hostile_eicar() -> Vec<u8> {
    let mut bytes = fixture("eicar.com");
    while bytes.last().is_some_and(|byte| byte.is_ascii_whitespace()) {
        bytes.pop();
    }
    bytes.extend_from_slice(b" <script>alert(1)</script><img src=x onerror=alert(2)>");
    assert!(bytes.len() < 130, "the EICAR rule needs filesize < 130");
    bytes
}

/// `GET` the report as `token`: status, headers and body bytes.
async fn report(
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

fn python(script: &str, path: &std::path::Path) -> String {
    let program = std::env::var("NEXUS_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&program)
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .unwrap_or_else(|error| panic!("{program} could not run ({error}); install Python 3"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'pypdf'"),
        "pypdf is not installed; run scripts/engine-tools.sh"
    );
    assert!(
        output.status.success(),
        "the parser refused the file:\n{stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// pypdf's reading of the file: the page count, then each page's text after a marker line.
const READ_PDF: &str = r#"
import sys
from pypdf import PdfReader
reader = PdfReader(sys.argv[1], strict=True)
print(len(reader.pages))
for page in reader.pages:
    print("=== page ===")
    print(page.extract_text())
"#;

/// Python's HTML parser over the page: every start tag, then the text, after a marker line.
const READ_HTML: &str = r#"
import sys
from html.parser import HTMLParser
class Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag + "".join(" %s=%s" % (name, value) for name, value in attrs))
    def handle_data(self, data):
        self.text.append(data)
reader = Reader()
reader.feed(open(sys.argv[1], encoding="utf-8").read())
reader.close()
for tag in reader.tags:
    print("tag", tag)
print("=== text ===")
print("".join(reader.text))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_sample_reports_as_a_readable_pdf_and_an_inert_html_page() {
    let harness = Harness::start().await;
    let accepted = harness
        .upload_as(&harness.user, hostile_eicar(), SampleVisibility::Private)
        .await;
    let id = accepted.analysis_id.to_string();
    let analysis = harness.finished(&id).await;
    let analysed = analysis.report.as_deref().expect("a finished report");
    let sha256 = analysed.hashes.sha256.clone();
    assert_eq!(sha256, accepted.sha256.to_string());
    assert!(
        analysed
            .strings
            .items
            .iter()
            .any(|item| item.value.contains("<script>")),
        "the markup is among the sample's strings: {:?}",
        analysed.strings
    );
    let dir = TempDir::new();

    // PDF: page 1 is the summary (hash and verdict), the details follow.
    let (status, headers, body) = report(&harness, &harness.user, &id, "pdf").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"nexus-analysis-{id}.pdf\"").as_str()
    );
    let path = dir.0.join("report.pdf");
    std::fs::write(&path, &body).unwrap();
    if let Ok(keep) = std::env::var("NEXUS_TEST_EXPORT_DIR") {
        std::fs::write(std::path::Path::new(&keep).join("report.pdf"), &body).unwrap();
    }
    let read = python(READ_PDF, &path);
    let mut parts = read.split("=== page ===\n");
    let pages: usize = parts.next().unwrap().trim().parse().unwrap();
    let texts: Vec<&str> = parts.collect();
    assert_eq!(texts.len(), pages);
    assert!(pages >= 2, "a summary page and details: {read}");
    let first = texts[0];
    assert!(first.contains(&sha256), "page 1 names the file: {first}");
    assert!(
        first.contains("MALICIOUS"),
        "page 1 gives the verdict: {first}"
    );
    assert!(first.contains("builtin.eicar_test_file"), "{first}");
    assert!(
        !first.contains("Pipeline stages"),
        "details are not on page 1"
    );
    let rest = texts[1..].concat();
    assert!(
        rest.starts_with("Details") || rest.contains("\nDetails"),
        "{rest}"
    );
    assert!(
        rest.contains("Pipeline stages") && rest.contains("<script>alert(1)"),
        "{rest}"
    );

    // HTML: served inert, and the sample's markup is text, not tags.
    let (status, headers, body) = report(&harness, &harness.user, &id, "html").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.starts_with("default-src 'none'; style-src 'unsafe-inline'"),
        "{policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let path = dir.0.join("report.html");
    std::fs::write(&path, &page).unwrap();
    let read = python(READ_HTML, &path);
    let (tags, text) = read.split_once("=== text ===\n").unwrap();
    let tags: Vec<&str> = tags.lines().map(|line| &line[4..]).collect();
    for tag in &tags {
        let name = tag.split(' ').next().unwrap();
        assert!(
            !["script", "img", "link", "iframe", "object", "embed", "form"].contains(&name),
            "a {name} tag in the page: {tag}"
        );
        assert!(!tag.contains(" src=") && !tag.contains(" on"), "{tag}");
    }
    let summary = tags
        .iter()
        .position(|tag| *tag == "section id=summary aria-labelledby=summary-title");
    let details = tags
        .iter()
        .position(|tag| tag.starts_with("section id=details"));
    assert!(
        matches!((summary, details), (Some(summary), Some(details)) if summary < details),
        "{tags:?}"
    );
    // What the sample said is shown as text, exactly.
    assert!(
        text.contains("<script>alert(1)</script><img src=x onerror=alert(2)>"),
        "{text}"
    );
    let (before, after) = text.split_once("Verdict reasons").unwrap();
    assert!(before.contains(&sha256) && before.contains("malicious"));
    assert!(after.contains("Pipeline stages"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_refused_exactly_as_the_analysis_is() {
    let harness = Harness::start().await;
    let owner = harness.user.clone();
    let stranger = harness.token(&uuid::Uuid::now_v7().to_string(), &["user"]);
    let no_scope = harness.api_key_token(USER_ID, "file:read");
    let accepted = harness
        .upload_as(
            &owner,
            format!("a private report test sample {}", uuid::Uuid::now_v7()).into_bytes(),
            SampleVisibility::Private,
        )
        .await;
    let id = accepted.analysis_id.to_string();
    harness.finished(&id).await;

    for format in ["pdf", "html"] {
        let path = format!("/v1/analyses/{id}/export?format={format}");
        for (token, expected) in [
            (Some(stranger.as_str()), (404, "analysis_not_found")),
            (Some(no_scope.as_str()), (403, "scope_insufficient")),
        ] {
            let (status, body) = harness.call("GET", &path, token, None).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (expected.0, Some(expected.1)),
                "{format}: {body}"
            );
        }
        // A guest gets what the report route gives a guest.
        let (report_status, report_body) = harness
            .call("GET", &format!("/v1/analyses/{id}"), None, None)
            .await;
        let (status, body): (u16, Value) = harness.call("GET", &path, None, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (report_status, report_body["code"].as_str())
        );
        assert!(status >= 400);
        // The owner may.
        let (status, _, body) = report(&harness, &owner, &id, format).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    // An unknown analysis is 404 too; an unknown format 400 with the list of formats.
    let (status, body) = harness
        .call(
            "GET",
            &format!("/v1/analyses/{}/export?format=pdf", uuid::Uuid::now_v7()),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("analysis_not_found"))
    );
    let (status, body) = harness
        .call(
            "GET",
            &format!("/v1/analyses/{id}/export?format=docx"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_export_format"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("format=pdf"),
        "{body}"
    );
}
