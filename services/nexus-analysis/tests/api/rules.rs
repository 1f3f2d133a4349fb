//! User rulesets: compile errors, hot reload, and retrohunts.

use serde_json::json;

use crate::support::{EICAR_SHA256, Harness, fixture, wait_until, yara_rules};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_that_does_not_compile_is_400_with_line_and_column() {
    let harness = Harness::start().await;
    let source = "rule fine { condition: true }\nrule broken {\n  condition: $missing\n}\n";
    let (status, body) = harness
        .post_json(
            "/v1/rulesets",
            &json!({"name": "broken_rules", "source": source}),
        )
        .await;
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

    let (status, body) = harness
        .post_json(
            "/v1/rulesets",
            &json!({"name": "Bad Name", "source": "rule a { condition: true }"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_ruleset_name"))
    );
    let (status, body) = harness
        .post_json("/v1/rulesets", &json!({"name": "no_source"}))
        .await;
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
async fn a_new_ruleset_is_swapped_in_and_matches_the_next_upload_on_every_instance() {
    let harness = Harness::start().await;
    // A second instance of the service on the same database and Redis.
    let mut other_settings = crate::support::settings(&harness.ctx, &harness.store);
    other_settings.service.workers = 1;
    let other = harness
        .ctx
        .spawn_with::<nexus_analysis::AnalysisService>(other_settings)
        .await
        .unwrap();
    let marker = b"prefix NEXUS-HOT-RELOAD-MARKER suffix".to_vec();
    let (before_id, _) = harness
        .upload_ok(b"no marker in these bytes at all".to_vec())
        .await;
    let before = harness.finished(&before_id).await;
    assert!(before["ruleset_version"].as_str().unwrap().ends_with(".u0"));

    let source = r#"rule hot_marker { strings: $m = "NEXUS-HOT-RELOAD-MARKER" condition: $m }"#;
    let (status, created) = harness
        .post_json(
            "/v1/rulesets",
            &json!({"name": "hot_reload", "source": source}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let version = created["ruleset_version"].as_str().unwrap().to_owned();
    assert!(
        version.ends_with(&format!(".u{}", created["id"])),
        "{version}"
    );
    let (status, taken) = harness
        .post_json(
            "/v1/rulesets",
            &json!({"name": "hot_reload", "source": source}),
        )
        .await;
    assert_eq!(
        (status, taken["code"].as_str()),
        (409, Some("ruleset_exists"))
    );

    // Uploaded to the other instance, which learns of the ruleset over the bus (or, at the
    // latest, from its version check); whichever worker takes the job scans with it.
    let response = harness
        .http
        .post(format!("{}/v1/files", other.base_url()))
        .bearer_auth(&harness.user)
        .body(marker)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let accepted: serde_json::Value = response.json().await.unwrap();
    let analysis = harness
        .finished(accepted["analysis_id"].as_str().unwrap())
        .await;
    assert_eq!(analysis["ruleset_version"], version.as_str());
    assert!(
        yara_rules(&analysis["report"]).contains(&"hot_reload.hot_marker".to_owned()),
        "{analysis}"
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
    assert_eq!(created["total"], 3);
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
