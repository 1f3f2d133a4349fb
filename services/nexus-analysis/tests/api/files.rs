//! Uploads, reports, deduplication, size limits, downloads, similar files and metrics.

use nexus_proto::analysis::{AnalysisStatus, SampleVisibility};
use nexus_testkit::nexus_client::CallContext;
use serde_json::{Value, json};

use crate::helpers::{
    EICAR_SHA256, Harness, TINY_SHA256, fixture, generated_body, report_json, resident_kib,
    wait_until, yara_rules,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_sample_is_analysed_and_its_report_shows_the_yara_hit() {
    let harness = Harness::start().await;

    let (analysis_id, accepted) = harness.upload_ok(fixture("eicar.com")).await;
    assert_eq!(accepted.sha256, EICAR_SHA256);
    assert!(!accepted.duplicate);
    assert_eq!(accepted.status, AnalysisStatus::Queued);
    assert_eq!(accepted.size, 68);

    let analysis = harness.finished(&analysis_id).await;
    assert!(
        matches!(
            analysis.status,
            AnalysisStatus::Completed | AnalysisStatus::Partial
        ),
        "{analysis:?}"
    );
    assert_eq!(analysis.stage.as_deref(), Some("done"));
    let report = &report_json(&analysis);
    assert_eq!(report["hashes"]["sha256"], EICAR_SHA256);
    assert_eq!(report["hashes"]["md5"], "44d88612fea8a8f36de82e1278abb02f");
    assert!(
        yara_rules(report).contains(&"builtin.eicar_test_file".to_owned()),
        "{report}"
    );
    assert_eq!(json!(analysis.verdict), report["verdict"]);

    let file = harness.file(EICAR_SHA256).await;
    assert_eq!(
        file.md5.as_deref(),
        Some("44d88612fea8a8f36de82e1278abb02f")
    );
    assert_eq!(file.upload_count, 1);
    let latest = file.latest_analysis.unwrap();
    assert_eq!(latest.id.to_string(), analysis_id);
    assert_eq!(report_json(&latest)["hashes"]["sha256"], EICAR_SHA256);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pe_sample_gets_its_format_report_and_imphash() {
    let harness = Harness::start().await;
    let (analysis_id, accepted) = harness.upload_ok(fixture("tiny")).await;
    assert_eq!(accepted.sha256, TINY_SHA256);
    let analysis = harness.finished(&analysis_id).await;
    let report = &report_json(&analysis);
    assert_eq!(report["file"]["type"], "pe");
    assert_eq!(
        report["hashes"]["imphash"],
        "1720bf764274b7a4052bbef0a71adc0d"
    );
    assert_eq!(report["pe"]["sections"].as_array().unwrap().len(), 7);
    let file = harness.file(TINY_SHA256).await;
    assert_eq!(file.file_type.as_deref(), Some("pe"));
    assert_eq!(
        file.imphash.as_deref(),
        Some("1720bf764274b7a4052bbef0a71adc0d")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bytes_uploaded_twice_are_analysed_once() {
    let harness = Harness::start().await;
    let (first_id, first) = harness.upload_ok(fixture("tiny")).await;
    harness.finished(&first_id).await;

    let (second_id, second) = harness.upload_ok(fixture("tiny")).await;
    assert_eq!(second.sha256, first.sha256);
    assert_eq!(second_id, first_id);
    assert!(second.duplicate);
    assert_eq!(second.status, AnalysisStatus::Completed);

    assert_eq!(harness.file(TINY_SHA256).await.upload_count, 2);
    let analyses = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM analysis.analyses WHERE sha256 = $1"#,
        TINY_SHA256,
    )
    .fetch_one(&harness.ctx.database.pool)
    .await
    .unwrap();
    assert_eq!(analyses, 1);
    let metrics = harness.metrics().await;
    assert!(
        metrics.contains("nexus_analysis_engine_runs_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nexus_analysis_uploads_total{outcome=\"duplicate\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_stream_to_disk_and_oversized_ones_are_refused_with_413() {
    const MIB: usize = 1024 * 1024;
    // No workers: only the upload path runs, so memory is the upload's alone.
    let harness = Harness::start_with(|settings| {
        settings.service.max_upload_bytes = 64 * MIB as u64;
        settings.service.workers = 0;
    })
    .await;
    // Warm up the connection and the handler's code paths.
    harness.upload_ok(b"warm-up sample".to_vec()).await;
    let before = resident_kib();

    let accepted = harness
        .http
        .post(harness.url("/v1/files"))
        .bearer_auth(&harness.user)
        .body(generated_body(48 * MIB, 7))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 202);
    let body: Value = accepted.json().await.unwrap();
    assert_eq!(body["size"], 48 * MIB);

    let refused = harness
        .http
        .post(harness.url("/v1/files"))
        .bearer_auth(&harness.user)
        .body(generated_body(96 * MIB, 9))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 413);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "sample_too_large");

    let declared = harness
        .http
        .post(harness.url("/v1/files"))
        .bearer_auth(&harness.user)
        .body(vec![0_u8; 65 * MIB])
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status().as_u16(), 413);

    // Streaming: 48 MiB stored and 96 MiB refused moved well under 48 MiB through memory.
    let grown_kib = resident_kib().saturating_sub(before);
    eprintln!("resident memory grew by {grown_kib} KiB over 48 MiB stored and 96 MiB refused");
    assert!(
        grown_kib < 24 * 1024,
        "resident memory grew by {grown_kib} KiB"
    );
    // Nothing of the refused uploads is left in the staging directory.
    let staged: Vec<_> = std::fs::read_dir(harness.store.0.join("tmp"))
        .unwrap()
        .collect();
    assert!(staged.is_empty(), "{staged:?}");
    let (status, empty) = harness.upload(Vec::new()).await;
    assert_eq!(
        (status, empty["code"].as_str()),
        (400, Some("empty_sample"))
    );
    // With no worker, both accepted uploads wait in the queue the platform scales on.
    wait_until("the queue depth to show both uploads", || async {
        harness
            .metrics()
            .await
            .contains("nexus_analysis_queue_depth 2\n")
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_download_to_their_uploaders_and_analysts_who_may_read_them_as_attachments() {
    let harness = Harness::start().await;
    let bytes = fixture("eicar.com");
    harness.upload_ok(bytes.clone()).await;
    let path = format!("/v1/files/{EICAR_SHA256}/download");
    let other_user = harness.token(&uuid::Uuid::now_v7().to_string(), &["user"]);
    let admin = harness.token(&uuid::Uuid::now_v7().to_string(), &["admin"]);

    // The uploader fetches back their own private sample, as an attachment.
    let response = harness
        .http
        .get(harness.url(&path))
        .bearer_auth(&harness.user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A private sample is not there for an analyst or another user; an admin may fetch it.
    for (token, expected) in [(&harness.analyst, 404), (&other_user, 404), (&admin, 200)] {
        let (status, body) = harness.call("GET", &path, Some(token), None).await;
        assert_eq!(status, expected, "{body}");
    }

    // Once another uploader makes it public: analysts download it, other users read about it
    // but get no bytes.
    harness
        .upload_as(&admin, bytes.clone(), SampleVisibility::Public)
        .await;
    let (status, _) = harness
        .call("GET", &path, Some(&harness.analyst), None)
        .await;
    assert_eq!(status, 200);
    let (status, forbidden) = harness.call("GET", &path, Some(&other_user), None).await;
    assert_eq!(
        (status, forbidden["code"].as_str()),
        (403, Some("download_forbidden"))
    );

    let anonymous = harness.http.get(harness.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let anonymous_upload = harness
        .http
        .post(harness.url("/v1/files"))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_upload.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_search_finds_the_near_duplicate_and_not_the_unrelated_file() {
    let harness = Harness::start().await;
    let mut ids = Vec::new();
    for name in ["tiny", "tiny-overlay", "elf_with_imports"] {
        ids.push(harness.upload_ok(fixture(name)).await);
    }
    for (id, _) in &ids {
        harness.finished(id).await;
    }
    let overlay_sha = ids[1].1.sha256.clone();
    let elf_sha = ids[2].1.sha256.clone();

    let as_user = CallContext::bearer(&harness.user);
    let similar = harness
        .api()
        .get_similar(&as_user, &TINY_SHA256.parse().unwrap())
        .await
        .unwrap();
    let matches = &similar.matches;
    let overlay = matches
        .iter()
        .find(|found| found.sha256 == overlay_sha)
        .unwrap_or_else(|| panic!("tiny-overlay missing from {similar:?}"));
    assert!(overlay.ssdeep_score.unwrap() > 90, "{overlay:?}");
    assert!(overlay.tlsh_distance.unwrap() < 50, "{overlay:?}");
    assert!(overlay.imphash_match);
    assert!(overlay.score > 90);
    assert!(
        !matches.iter().any(|found| found.sha256 == elf_sha),
        "{similar:?}"
    );

    let from_elf = harness.api().get_similar(&as_user, &elf_sha).await.unwrap();
    assert_eq!(from_elf.matches, [], "{from_elf:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_identifiers_and_unknown_resources_get_their_codes() {
    let harness = Harness::start().await;
    let (status, body) = harness.get_json("/v1/files/not-a-hash").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_sha256"))
    );
    let (status, body) = harness.get_json(&format!("/v1/files/{TINY_SHA256}")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("sample_not_found"))
    );
    let (status, body) = harness
        .get_json("/v1/analyses/0192f000-0000-7000-8000-00000000abcd")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("analysis_not_found"))
    );
    let wrong_method = harness
        .http
        .delete(harness.url("/v1/files"))
        .bearer_auth(&harness.user)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_verdicts_stage_durations_and_queue_depth() {
    let harness = Harness::start().await;
    let (analysis_id, _) = harness.upload_ok(fixture("eicar.com")).await;
    let analysis = harness.finished(&analysis_id).await;
    let verdict = json!(analysis.verdict).as_str().unwrap().to_owned();
    let metrics = wait_until("the queue depth to drop to 0", || async {
        let metrics = harness.metrics().await;
        metrics
            .contains("nexus_analysis_queue_depth 0\n")
            .then_some(metrics)
    })
    .await;
    assert!(
        metrics.contains(&format!("verdict=\"{verdict}\"")),
        "{metrics}"
    );
    assert!(
        metrics.contains("nexus_analysis_analyses_total{"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nexus_analysis_stage_duration_seconds_count{stage=\"yara\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nexus_analysis_stage_duration_seconds_count{stage=\"engine\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_search_reads_indexes_instead_of_scanning_every_sample() {
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    let pool = &harness.ctx.database.pool;
    // 10,000 samples, each with 12 ssdeep keys, 16 TLSH bands and an imphash.
    sqlx::query!(
        "INSERT INTO analysis.samples (sha256, size, imphash) \
         SELECT md5(i::text) || md5((i + 1)::text), i, md5((i % 5000)::text) \
         FROM generate_series(1, 10000) AS i"
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!(
        "INSERT INTO analysis.ssdeep_ngrams (block_size, ngram, sha256) \
         SELECT 3 * (1 << (i % 12)), (i * 7919 + k * 104729) % 40000000, md5(i::text) || md5((i + 1)::text) \
         FROM generate_series(1, 10000) AS i, generate_series(1, 12) AS k ON CONFLICT DO NOTHING"
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!(
        "INSERT INTO analysis.tlsh_bands (band, value, sha256) \
         SELECT k, substr(md5((i * 31 + k)::text), 1, 4), md5(i::text) || md5((i + 1)::text) \
         FROM generate_series(1, 10000) AS i, generate_series(0, 15) AS k ON CONFLICT DO NOTHING"
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query!("ANALYZE analysis.samples")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query!("ANALYZE analysis.ssdeep_ngrams")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query!("ANALYZE analysis.tlsh_bands")
        .execute(pool)
        .await
        .unwrap();
    let target = sqlx::query_scalar!(r#"SELECT md5('777') || md5('778') AS "target!""#)
        .fetch_one(pool)
        .await
        .unwrap();
    // Dynamic on purpose: EXPLAIN of the very text the store runs (its query file), which a
    // checked macro cannot take from a constant.
    let explain = format!("EXPLAIN {}", nexus_analysis::store::SIMILAR_CANDIDATES_SQL);
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .bind(&target)
        .bind("0192f000")
        .bind(1000_i64)
        .fetch_all(pool)
        .await
        .unwrap();
    let plan = plan.join("\n");
    for table in ["samples", "ssdeep_ngrams", "tlsh_bands"] {
        assert!(
            !plan.contains(&format!("Seq Scan on {table}")),
            "{table} is scanned:\n{plan}"
        );
    }
    assert!(plan.contains("ssdeep_ngrams_pkey"), "{plan}");
    assert!(plan.contains("tlsh_bands_pkey"), "{plan}");
    assert!(plan.contains("samples_imphash_idx"), "{plan}");
}
