//! User rulesets and retrohunts: compile errors, rulesets kept out of reports, hunts.

use serde_json::json;

use crate::support::{Body, EICAR_SHA256, Harness, fixture, wait_until, yara_rules};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_that_does_not_compile_is_400_with_line_and_column() {
    let harness = Harness::start().await;
    let analyst = Some(harness.analyst.as_str());
    let post_ruleset = |body: serde_json::Value| {
        harness.call("POST", "/v1/rulesets", analyst, Some(Body::Json(body)))
    };
    let source = "rule fine { condition: true }\nrule broken {\n  condition: $missing\n}\n";
    let (status, body) = post_ruleset(json!({"name": "broken_rules", "source": source})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "yara_compile_error");
    assert_eq!(body["line"], 3);
    assert_eq!(body["column"], 14);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("line 3, column 14")
    );
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let (status, body) =
        post_ruleset(json!({"name": "Bad Name", "source": "rule a { condition: true }"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_ruleset_name"))
    );
    let (status, body) = post_ruleset(json!({"name": "no_source"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("invalid_request_body"))
    );
    let (status, body) = harness
        .post_json("/v1/retrohunts", &json!({"source": "rule { condition: }"}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("yara_compile_error"))
    );
    assert_eq!(body["line"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_runs_only_in_its_authors_hunts_and_never_enters_a_report() {
    let harness = Harness::start().await;
    let analyst = Some(harness.analyst.as_str());
    let source = r#"rule hot_marker { strings: $m = "NEXUS-HOT-RELOAD-MARKER" condition: $m }"#;
    let ruleset = json!({"name": "hot_reload", "source": source});

    // Rulesets are written by analysts (the role table); a user is refused by the policies.
    let (status, refused) = harness.post_json("/v1/rulesets", &ruleset).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("forbidden")),
        "{refused}"
    );
    let (status, created) = harness
        .call(
            "POST",
            "/v1/rulesets",
            analyst,
            Some(Body::Json(ruleset.clone())),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let ruleset_id = created["id"].as_i64().unwrap();
    let (status, taken) = harness
        .call("POST", "/v1/rulesets", analyst, Some(Body::Json(ruleset)))
        .await;
    assert_eq!(
        (status, taken["code"].as_str()),
        (409, Some("ruleset_exists"))
    );

    // A public upload that the ruleset matches: its report holds the platform's rules only.
    let marker = b"prefix NEXUS-HOT-RELOAD-MARKER suffix".to_vec();
    let accepted = harness.upload_as(&harness.user, marker, "public").await;
    let analysis = harness
        .finished(accepted["analysis_id"].as_str().unwrap())
        .await;
    assert!(
        analysis["ruleset_version"]
            .as_str()
            .unwrap()
            .ends_with(".u0"),
        "{analysis}"
    );
    assert!(
        !yara_rules(&analysis["report"])
            .iter()
            .any(|rule| rule.starts_with("hot_reload.")),
        "{analysis}"
    );

    // The ruleset is its author's: it runs in their hunt, over the samples they may read.
    let (status, hunt) = harness
        .call(
            "POST",
            "/v1/retrohunts",
            analyst,
            Some(Body::Json(json!({"ruleset_id": ruleset_id}))),
        )
        .await;
    assert_eq!(status, 202, "{hunt}");
    let finished = harness
        .hunt_finished(&harness.analyst, hunt["id"].as_str().unwrap())
        .await;
    assert_eq!(
        finished["matches"],
        json!([{"sha256": accepted["sha256"], "rules": ["retrohunt.hot_marker"]}]),
        "{finished}"
    );

    // Another account neither reads it nor hunts with it: 404, as if it did not exist.
    let path = format!("/v1/rulesets/{ruleset_id}");
    let (status, hidden) = harness.get_json(&path).await;
    assert_eq!(
        (status, hidden["code"].as_str()),
        (404, Some("ruleset_not_found"))
    );
    let (status, hidden) = harness
        .post_json("/v1/retrohunts", &json!({"ruleset_id": ruleset_id}))
        .await;
    assert_eq!(
        (status, hidden["code"].as_str()),
        (404, Some("ruleset_not_found"))
    );
    let (status, own) = harness.call("GET", &path, analyst, None).await;
    assert_eq!((status, own["name"].as_str()), (200, Some("hot_reload")));
    let (status, ambiguous) = harness
        .call(
            "POST",
            "/v1/retrohunts",
            analyst,
            Some(Body::Json(
                json!({"ruleset_id": ruleset_id, "source": source}),
            )),
        )
        .await;
    assert_eq!(
        (status, ambiguous["code"].as_str()),
        (422, Some("retrohunt_source_ambiguous"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retrohunt_scans_every_stored_sample_with_progress_and_results() {
    // Chunks of two samples: three samples take two chunks.
    let harness = Harness::start_with(|settings| settings.service.retrohunt_batch = 2).await;
    for name in ["eicar.com", "tiny", "elf_with_imports"] {
        harness.upload_ok(fixture(name)).await;
    }
    let source =
        r#"rule eicar_again { strings: $e = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $e }"#;
    let (status, created) = harness
        .post_json("/v1/retrohunts", &json!({"source": source}))
        .await;
    assert_eq!(status, 202, "{created}");
    // How many samples the hunt will find readable is not known (nor disclosed) up front.
    assert_eq!(created["total"], 0);
    assert_eq!(
        created["status"], "queued",
        "the answer describes the creation"
    );
    let id = created["id"].as_str().unwrap().to_owned();

    let progress_seen = std::sync::Mutex::new(Vec::new());
    let finished = wait_until("the retrohunt to complete", || {
        let path = format!("/v1/retrohunts/{id}");
        let (harness, progress_seen) = (&harness, &progress_seen);
        async move {
            let (status, body) = harness.get_json(&path).await;
            assert_eq!(status, 200, "{body}");
            progress_seen
                .lock()
                .unwrap()
                .push(body["scanned"].as_i64().unwrap());
            (body["status"] == "completed").then_some(body)
        }
    })
    .await;
    let progress_seen = progress_seen.into_inner().unwrap();
    assert_eq!(finished["scanned"], 3);
    assert_eq!(finished["total"], 3);
    assert_eq!(
        finished["matches"],
        json!([{"sha256": EICAR_SHA256, "rules": ["retrohunt.eicar_again"]}])
    );
    assert!(finished["completed_at"].is_string());
    // Progress only moves forward.
    assert!(
        progress_seen.windows(2).all(|pair| pair[0] <= pair[1]),
        "{progress_seen:?}"
    );
    let (status, missing) = harness
        .get_json("/v1/retrohunts/0192f000-0000-7000-8000-00000000abcd")
        .await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (404, Some("retrohunt_not_found"))
    );
}
