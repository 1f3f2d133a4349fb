//! Retrohunts under their own budgets: a slow user rule is cut off on its owner's hunt and
//! never touches anyone's report; quotas per role.

use std::time::Duration;

use nexus_proto::analysis::{AnalysisStatus, RetrohuntStatus, SampleVisibility};
use serde_json::json;

use crate::helpers::{EICAR_SHA256, Harness, fixture, report_json, yara_rules};

/// A rule that would run for far longer than 30 s on the sample below: a quadratic loop over
/// its bytes (65,536² iterations) that no match can cut short.
const SLOW_RULE: &str = "rule slow_loop { condition: filesize == 65536 and \
     for all i in (0..filesize - 1) : ( for all j in (0..filesize - 1) : ( uint8(i) + uint8(j) < 600 ) ) }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_user_rule_ends_skipped_on_its_own_hunt_and_never_touches_the_platform_report() {
    let harness = Harness::start_with(|settings| {
        settings.service.retrohunt_scan_timeout = Duration::from_secs(1);
    })
    .await;
    let big: Vec<u8> = (0..65_536_u32).map(|index| (index % 251) as u8).collect();
    let big = harness
        .upload_as(&harness.user, big, SampleVisibility::Private)
        .await;
    harness.finished(big.analysis_id).await;

    let hunt = harness.hunt(&harness.user, SLOW_RULE).await;
    // While the hunt runs, an upload is analysed with the platform's rules, as always.
    let (analysis_id, _) = harness.upload_ok(fixture("eicar.com")).await;

    let finished = harness.hunt_finished(&harness.user, hunt.id).await;
    assert_eq!(finished.status, RetrohuntStatus::Completed, "{finished:?}");
    assert_eq!(finished.skipped, 1, "the slow sample: {finished:?}");
    assert_eq!(finished.matches, [], "{finished:?}");

    let analysis = harness.finished(&analysis_id).await;
    assert_eq!(analysis.status, AnalysisStatus::Completed, "{analysis:?}");
    let rules = yara_rules(&report_json(&analysis));
    assert!(
        rules
            .iter()
            .any(|rule| rule.to_lowercase().contains("eicar")),
        "the platform's match is in the report: {rules:?}"
    );
    assert!(
        !rules.iter().any(|rule| rule.starts_with("retrohunt.")),
        "{rules:?}"
    );
    let (_, file) = harness.get_json(&format!("/v1/files/{EICAR_SHA256}")).await;
    assert_eq!(file["latest_analysis"]["status"], "completed", "{file}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrohunt_quotas_are_per_role_and_a_hunt_stops_at_its_bytes() {
    let harness = Harness::start_with(|settings| {
        let quotas = &mut settings.service.retrohunt_quotas;
        quotas.user.hunts_per_day = 2;
        quotas.user.bytes_per_day = 40;
    })
    .await;
    for bytes in [
        &b"twenty bytes, one..."[..],
        b"twenty bytes, two...",
        b"twenty bytes, 3.....",
    ] {
        harness.upload_ok(bytes.to_vec()).await;
    }
    const ANYTHING: &str = "rule anything { condition: true }";
    let rule = json!({ "source": ANYTHING });

    // The first hunt may scan 40 bytes: two of the three samples, then it stops and says so.
    let first = harness.hunt(&harness.user, ANYTHING).await;
    let first = harness.hunt_finished(&harness.user, first.id).await;
    assert_eq!(first.status, RetrohuntStatus::Completed, "{first:?}");
    assert_eq!(first.scanned, 2, "{first:?}");
    assert_eq!(first.bytes_scanned, 40, "{first:?}");
    assert!(
        first.error.as_deref().unwrap().contains("daily quota"),
        "{first:?}"
    );

    // The bytes are used up: the next hunt is refused with a message that says why.
    let (status, refused) = harness.post_json("/v1/retrohunts", &rule).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (429, Some("quota_exceeded")),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("bytes scanned"),
        "{refused}"
    );

    // An analyst's quota is the analyst role's.
    harness.hunt(&harness.analyst, ANYTHING).await;
}
