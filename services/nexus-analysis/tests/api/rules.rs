//! User rulesets and retrohunts: compile errors, rulesets kept out of reports, hunts.

use nexus_proto::analysis::{
    CreateRetrohunt, CreateRuleset, RetrohuntMatch, RetrohuntStatus, SampleVisibility,
};
use nexus_testkit::nexus_client::CallContext;
use serde_json::json;

use crate::helpers::{Body, EICAR_SHA256, Harness, fixture, report_json, wait_until, yara_rules};

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
    // No rules at all is a mistake in the request (400), not a body over a size limit (413).
    let (status, body) = harness
        .post_json("/v1/retrohunts", &json!({"source": ""}))
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("rules_empty")));
    let (status, body) = post_ruleset(json!({"name": "empty_rules", "source": ""})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("rules_empty")));
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
    let as_analyst = CallContext::bearer(&harness.analyst);
    let created = harness
        .api()
        .create_ruleset(
            &as_analyst,
            &CreateRuleset {
                name: "hot_reload".into(),
                source: source.into(),
            },
        )
        .await
        .unwrap();
    let ruleset_id = created.id;
    let (status, taken) = harness
        .call("POST", "/v1/rulesets", analyst, Some(Body::Json(ruleset)))
        .await;
    assert_eq!(
        (status, taken["code"].as_str()),
        (409, Some("ruleset_exists"))
    );

    // A public upload that the ruleset matches: its report holds the platform's rules only.
    let marker = b"prefix NEXUS-HOT-RELOAD-MARKER suffix".to_vec();
    let accepted = harness
        .upload_as(&harness.user, marker, SampleVisibility::Public)
        .await;
    let analysis = harness.finished(accepted.analysis_id).await;
    assert!(analysis.ruleset_version.ends_with(".u0"), "{analysis:?}");
    assert!(
        !yara_rules(&report_json(&analysis))
            .iter()
            .any(|rule| rule.starts_with("hot_reload.")),
        "{analysis:?}"
    );

    // The ruleset is its author's: it runs in their hunt, over the samples they may read.
    let hunt = harness
        .api()
        .create_retrohunt(
            &as_analyst,
            &CreateRetrohunt {
                source: String::new(),
                ruleset_id: Some(ruleset_id),
            },
        )
        .await
        .unwrap();
    let finished = harness.hunt_finished(&harness.analyst, hunt.id).await;
    assert_eq!(
        finished.matches,
        [RetrohuntMatch {
            sha256: accepted.sha256.clone(),
            rules: vec!["retrohunt.hot_marker".into()],
        }],
        "{finished:?}"
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
    let created = harness.hunt(&harness.user, source).await;
    // How many samples the hunt will find readable is not known (nor disclosed) up front.
    assert_eq!(created.total, 0);
    assert_eq!(
        created.status,
        RetrohuntStatus::Queued,
        "the answer describes the creation"
    );
    let id = created.id;

    let progress_seen = std::sync::Mutex::new(Vec::new());
    let as_user = CallContext::bearer(&harness.user);
    let finished = wait_until("the retrohunt to complete", || {
        let (harness, progress_seen, as_user) = (&harness, &progress_seen, &as_user);
        async move {
            let hunt = harness.api().get_retrohunt(as_user, id).await.unwrap();
            progress_seen.lock().unwrap().push(hunt.scanned);
            (hunt.status == RetrohuntStatus::Completed).then_some(hunt)
        }
    })
    .await;
    let progress_seen = progress_seen.into_inner().unwrap();
    assert_eq!(finished.scanned, 3);
    assert_eq!(finished.total, 3);
    assert_eq!(
        finished.matches,
        [RetrohuntMatch {
            sha256: EICAR_SHA256.parse().unwrap(),
            rules: vec!["retrohunt.eicar_again".into()],
        }]
    );
    assert!(finished.completed_at.is_some());
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
