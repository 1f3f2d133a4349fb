//! `POST /v1/analyze`: the multipart/form-data upload (`curl -F file=@x`), its limits and its
//! refusals. The forms are written out by hand, byte for byte, as a client sends them.

use serde_json::Value;

use crate::helpers::{EICAR_SHA256, Harness, fixture};

const BOUNDARY: &str = "nexus-test-boundary-7MA4YWxkTrZu0gW";

/// One part of a form: its name, an optional file name, and its bytes.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    bytes: &'a [u8],
}

fn form(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part.file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(
    harness: &Harness,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = harness
        .http
        .post(harness.url("/v1/analyze"))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn staged_files(harness: &Harness) -> usize {
    std::fs::read_dir(harness.store.0.join("tmp"))
        .unwrap()
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_upload_is_stored_analysed_and_the_same_sample_as_a_raw_one() {
    let harness = Harness::start().await;
    let eicar = fixture("eicar.com");
    let body = form(&[
        Part {
            name: "visibility",
            file_name: None,
            bytes: b"public",
        },
        Part {
            name: "file",
            file_name: Some("eicar.com"),
            bytes: &eicar,
        },
        Part {
            name: "comment",
            file_name: None,
            bytes: b"ignored",
        },
    ]);
    let (status, accepted) = post(&harness, Some(&harness.user), &form_type(), body).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["sha256"], EICAR_SHA256);
    assert_eq!(accepted["size"], eicar.len());
    assert_eq!(accepted["visibility"], "public");
    assert_eq!(accepted["duplicate"], false);
    let analysis = harness
        .finished(accepted["analysis_id"].as_str().unwrap())
        .await;
    assert_eq!(
        analysis.status,
        nexus_proto::analysis::AnalysisStatus::Completed
    );

    // The raw-body upload of the same bytes is the same sample and analysis.
    let (status, raw) = harness.upload(eicar).await;
    assert_eq!(status, 202, "{raw}");
    assert_eq!(raw["analysis_id"], accepted["analysis_id"]);
    assert_eq!(raw["duplicate"], true);
    assert_eq!(staged_files(&harness), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_forms_are_refused_with_their_codes_and_leave_nothing_staged() {
    let harness = Harness::start_with(|settings| settings.service.max_upload_bytes = 1000).await;
    let file = |name: &'static str, bytes: &'static [u8]| Part {
        name,
        file_name: Some("sample.bin"),
        bytes,
    };
    let big = vec![b'A'; 2000];
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        (
            "a raw body",
            "application/octet-stream".into(),
            b"MZ".to_vec(),
            415,
            "multipart_required",
        ),
        (
            "a JSON body",
            "application/json".into(),
            b"{}".to_vec(),
            415,
            "multipart_required",
        ),
        (
            "no file part",
            form_type(),
            form(&[Part {
                name: "visibility",
                file_name: None,
                bytes: b"private",
            }]),
            400,
            "file_part_missing",
        ),
        (
            "a file under another name",
            form_type(),
            form(&[file("sample", b"MZ")]),
            400,
            "file_part_missing",
        ),
        (
            "two files",
            form_type(),
            form(&[file("file", b"MZ one"), file("file", b"MZ two")]),
            400,
            "several_files",
        ),
        (
            "an empty file",
            form_type(),
            form(&[file("file", b"")]),
            400,
            "empty_sample",
        ),
        (
            "a file over the limit",
            form_type(),
            form(&[Part {
                name: "file",
                file_name: Some("big.bin"),
                bytes: &big,
            }]),
            413,
            "sample_too_large",
        ),
        (
            "a bad visibility",
            form_type(),
            form(&[
                file("file", b"MZ"),
                Part {
                    name: "visibility",
                    file_name: None,
                    bytes: b"everyone",
                },
            ]),
            400,
            "invalid_visibility",
        ),
        (
            "a body that is no form",
            form_type(),
            b"this is not a multipart body at all".to_vec(),
            400,
            "multipart_invalid",
        ),
    ];
    for (what, content_type, body, status, code) in cases {
        let (answered, error) = post(&harness, Some(&harness.user), &content_type, body).await;
        assert_eq!(
            (answered, error["code"].as_str()),
            (status, Some(code)),
            "{what}: {error}"
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{what}: {error}");
    }
    assert_eq!(
        staged_files(&harness),
        0,
        "refused uploads leave nothing staged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_banned_accounts_and_keys_without_the_scope_are_refused_before_reading() {
    let harness = Harness::start().await;
    let body = || {
        form(&[Part {
            name: "file",
            file_name: Some("tiny"),
            bytes: b"MZ refused",
        }])
    };
    let banned = harness.banned_token(&uuid::Uuid::now_v7().to_string());
    let reader_key = harness.api_key_token(&uuid::Uuid::now_v7().to_string(), "file:read");
    for (who, token, status, code) in [
        ("a guest", None, 401, "unauthenticated"),
        ("a banned account", Some(banned.as_str()), 403, "forbidden"),
        (
            "a key without file:upload",
            Some(reader_key.as_str()),
            403,
            "scope_insufficient",
        ),
    ] {
        let (answered, error) = post(&harness, token, &form_type(), body()).await;
        assert_eq!(
            (answered, error["code"].as_str()),
            (status, Some(code)),
            "{who}: {error}"
        );
    }
    assert_eq!(staged_files(&harness), 0);
}
