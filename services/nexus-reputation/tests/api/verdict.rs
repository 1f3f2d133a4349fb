//! `GET /v1/files/{sha256}/verdict`: two honest analysts and a pair of clones (one voice over many
//! shared bounties) answer two bounties on one file; the clones' weight is split and the honest
//! side wins. An unknown file is a 404, a malformed hash a 400, and the API document lists it.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, web};
use nexus_proto::Envelope;
use nexus_proto::chain::{ArtifactKind, BountyOpened, Outcome, Verdict};
use nexus_testkit::nexus_client::{CallContext, ClientError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::analysis_stub::StubAnalysis;
use crate::helpers::{NXS, TestApp, log, now, resolved, revealed};

/// The file every test bounty names.
const FILE: &str = "5d41402abc4b2a76b9719d911017c592ae1f4d3e0b5a1f0c3e2d1c0b0a090807";

/// `BountyOpened` of bounty `id` on the file `sha256`.
fn opened_file(id: u64, sha256: &str, at: i64) -> Envelope<BountyOpened> {
    Envelope::new(BountyOpened {
        log: log(at, 0),
        bounty_id: id,
        creator: format!("0x{}", "cc".repeat(20)),
        artifact_kind: ArtifactKind::File,
        artifact_hash: format!("0x{sha256}"),
        reward: NXS.to_string(),
        min_stake: "1".into(),
        assertion_deadline: 1,
        reveal_deadline: 2,
    })
}

fn wallet(byte: u8) -> String {
    format!("0x{}", format!("{byte:02x}").repeat(20))
}

fn code(result: Result<Value, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Api { status, body, .. }) => (status.as_u16(), body.code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_count_as_one_voice_and_the_honest_analysts_decide() {
    // Analysis holds none of these files: each bounty is scored as `other`.
    let stub = StubAnalysis::serve(std::collections::BTreeMap::new(), true);
    let url = stub.url.clone();
    let app = TestApp::spawn_with(false, |settings| settings.analysis_url = url).await;
    let (honest1, honest2) = (wallet(0x11), wallet(0x22));
    let (clone1, clone2) = (wallet(0xc1), wallet(0xc2));
    let at = now() - 600;
    let mut published = 0.0;
    // A record on 20 other files, all right: each honest analyst on 10 of them (never together),
    // the clones on all 20 with the same verdicts (20 shared bounties, all agreeing).
    for id in 100..120_u64 {
        let honest = if id < 110 { &honest1 } else { &honest2 };
        app.publish(&opened_file(id, &format!("{id:064x}"), at))
            .await;
        for analyst in [honest, &clone1, &clone2] {
            app.publish(&revealed(id, analyst, Verdict::Malicious, 90, at + 1))
                .await;
        }
        app.publish(&resolved(
            id,
            Outcome::Malicious,
            &[
                (honest, Verdict::Malicious),
                (&clone1, Verdict::Malicious),
                (&clone2, Verdict::Malicious),
            ],
            at + 2,
        ))
        .await;
        published += 5.0;
    }
    // Two open bounties on the file: the honest analysts say malicious (one each), the clones
    // benign on both (their later reveal, on bounty 2, is the one shown).
    for id in [1, 2_u64] {
        app.publish(&opened_file(id, FILE, at + 10)).await;
        let honest = if id == 1 { &honest1 } else { &honest2 };
        app.publish(&revealed(
            id,
            honest,
            Verdict::Malicious,
            95,
            at + 11 + id as i64,
        ))
        .await;
        for analyst in [&clone1, &clone2] {
            app.publish(&revealed(
                id,
                analyst,
                Verdict::Benign,
                100,
                at + 11 + id as i64,
            ))
            .await;
        }
        published += 4.0;
    }
    app.wait_counted("applied", published).await;
    // File bounties are scored once the `file-types` worker knows their type.
    let typed = crate::helpers::wait_for(|| async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM reputation.file_types WHERE file_type IS NOT NULL",
        )
        .fetch_one(&app.context.database.pool)
        .await
        .expect("file types")
            == 22
    })
    .await;
    assert!(typed, "the file bounties' types were never recorded");

    let view = app
        .verdict(&CallContext::none(), FILE)
        .await
        .expect("the verdict");
    assert_eq!(view.sha256, FILE);
    assert_eq!(view.assertions.len(), 4, "{view:?}");
    assert!(
        view.engine_hint.is_none(),
        "guests never see the engine hint"
    );
    let by = |analyst: &str| {
        view.assertions
            .iter()
            .find(|assertion| assertion.analyst == analyst)
            .unwrap_or_else(|| panic!("{analyst} missing from {view:?}"))
    };
    for clone in [&clone1, &clone2] {
        let assertion = by(clone);
        assert_eq!(
            (assertion.verdict.as_str(), assertion.bounty_id),
            ("benign", 2)
        );
        assert_eq!(assertion.cluster_size, 2, "{assertion:?}");
        assert!(assertion.base_weight > 0.0, "{assertion:?}");
        assert!(
            (assertion.effective_weight - assertion.base_weight / 2.0).abs() < 1e-12,
            "{assertion:?}"
        );
        assert_eq!(assertion.reputation.assertions, 20);
    }
    for (honest, bounty) in [(&honest1, 1), (&honest2, 2)] {
        let assertion = by(honest);
        assert_eq!(
            (assertion.verdict.as_str(), assertion.bounty_id),
            ("malicious", bounty)
        );
        assert_eq!(assertion.cluster_size, 1, "{assertion:?}");
        assert_eq!(assertion.effective_weight, assertion.base_weight);
        assert!(assertion.reputation.skill > 0.0, "{assertion:?}");
    }
    // Counted twice, the clones would outweigh both honest analysts; as one voice they do not.
    let clones: f64 = [&clone1, &clone2]
        .iter()
        .map(|clone| by(clone).base_weight)
        .sum();
    let honest: f64 = [&honest1, &honest2]
        .iter()
        .map(|analyst| by(analyst).base_weight)
        .sum();
    assert!(clones > honest, "clones {clones}, honest {honest}");
    assert_eq!(view.label, "malicious", "{view:?}");
    assert!(view.malicious_probability >= 0.75, "{view:?}");
    assert_eq!(view.confidence, view.malicious_probability);
    assert_eq!(view.file_type, "other");
    app.stop().await;
    stub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_file_is_404_and_a_malformed_hash_400() {
    let app = TestApp::spawn().await;
    let guest = CallContext::none();
    // A URL bounty whose reference happens to be these 32 bytes is not a file bounty.
    let url = "00000000000000000000000000000000000000000000000000000000000000aa";
    let at = now() - 60;
    app.publish(&crate::helpers::opened(0xaa, at)).await;
    app.wait_counted("applied", 1.0).await;
    for (path, status, expected) in [
        (format!("/v1/files/{url}/verdict"), 404, "verdict_not_found"),
        (
            format!("/v1/files/{}/verdict", "ab".repeat(32)),
            404,
            "verdict_not_found",
        ),
        (
            format!("/v1/files/{}/verdict", "AB".repeat(32)),
            400,
            "invalid_sha256",
        ),
        ("/v1/files/abc/verdict".to_owned(), 400, "invalid_sha256"),
        (
            format!("/v1/files/{}/verdict", "zz".repeat(32)),
            400,
            "invalid_sha256",
        ),
    ] {
        let (found_status, found_code) = code(app.get::<Value>(&guest, &path).await);
        assert_eq!(
            (found_status, found_code.as_str()),
            (status, expected),
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_document_lists_the_verdict_route() {
    let app = TestApp::spawn().await;
    let document: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .expect("document")
        .json()
        .await
        .expect("json");
    let route = &document["paths"]["/v1/files/{sha256}/verdict"]["get"];
    assert!(route.is_object(), "{document}");
    for status in ["200", "400", "404"] {
        assert!(route["responses"][status].is_object(), "{status}: {route}");
    }
    assert!(document["components"]["schemas"]["FileVerdictView"].is_object());
    app.stop().await;
}

/// A stand-in for nexus-analysis' internal summary route: `FILE` is a PE its engine calls
/// malicious with score 90; any other file is unknown to it (404).
fn serve_summary() -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let server = HttpServer::new(|| {
        App::new().route(
            "/internal/v1/files/{sha256}/summary",
            web::get().to(|path: web::Path<String>| async move {
                if path.as_str() == FILE {
                    HttpResponse::Ok()
                        .json(json!({"file_type": "pe", "verdict": "malicious", "score": 90}))
                } else {
                    HttpResponse::NotFound().json(json!({
                        "code": "file_not_found", "message": "no such file", "request_id": "t"
                    }))
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{address}"), handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_hint_and_file_type_come_from_analysis_and_guests_get_no_hint() {
    let (analysis_url, stub) = serve_summary();
    let app = TestApp::spawn_with(false, |settings| settings.analysis_url = analysis_url).await;
    let at = now() - 60;
    app.publish(&opened_file(1, FILE, at)).await;
    app.publish(&revealed(1, &wallet(0x11), Verdict::Benign, 80, at + 1))
        .await;
    app.wait_counted("applied", 2.0).await;
    let guest = app
        .verdict(&CallContext::none(), FILE)
        .await
        .expect("guest");
    assert_eq!(guest.file_type, "pe", "{guest:?}");
    assert!(guest.engine_hint.is_none(), "{guest:?}");
    // A newcomer's reveal weighs nothing, so without the hint the balance is even.
    assert_eq!(guest.malicious_probability, 0.5, "{guest:?}");
    assert_eq!(guest.assertions[0].reputation.assertions, 0);

    let token = app
        .context
        .access_token(&Uuid::now_v7().to_string(), &["user"]);
    let member = app
        .verdict(&CallContext::bearer(token), FILE)
        .await
        .expect("signed in");
    let hint = member
        .engine_hint
        .clone()
        .expect("a signed-in caller sees the hint");
    assert_eq!((hint.label.as_str(), hint.confidence), ("malicious", 90));
    assert!(hint.weight > 0.0, "{hint:?}");
    assert!(member.malicious_probability > 0.5, "{member:?}");
    // The hint alone never calls a file.
    assert_eq!(member.label, "unknown", "{member:?}");
    app.stop().await;
    stub.stop(true).await;
}
