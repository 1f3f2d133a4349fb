//! Retrohunts under their own budgets and their owner's current rights: a slow user rule is
//! cut off on its owner's hunt, never touches anyone's report and never holds an analysis
//! back; a chunk fits its handler timeout; quotas per role, each with its own code; an
//! owner demoted, disabled or banned after creating a hunt no longer hunts with the old rights.

use std::time::Duration;

use nexus_analysis::AnalysisService;
use nexus_proto::analysis::{AnalysisStatus, RetrohuntStatus, RetrohuntView, SampleVisibility};
use nexus_proto::user::{ChangeRoleRequest, RegisterRequest};
use nexus_testkit::nexus_client::{CallContext, StatusAction};
use nexus_testkit::{TestContext, TestService};
use nexus_user::UserService;
use nexus_user::settings::{PasswordHashSettings, UserSettings};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{
    EICAR_SHA256, Harness, fixture, report_json, settings, wait_until, yara_rules,
};
use crate::s3_store::Moto;

/// Matches every sample it scans.
const ANYTHING: &str = "rule anything { condition: true }";

/// The retrohunt job stream (the bus labels its metrics with it).
const RETROHUNT_STREAM: &str = "nexus:analysis:retrohunts:v1";

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
        (429, Some("bytes_per_day_exceeded")),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hunts_per_day_quota_trips_with_its_own_code_before_any_bytes_run_out() {
    let harness = Harness::start_with(|settings| {
        let quotas = &mut settings.service.retrohunt_quotas;
        quotas.user.hunts_per_day = 2;
        quotas.user.bytes_per_day = 1024 * 1024;
    })
    .await;
    harness
        .upload_ok(b"a few bytes to hunt over".to_vec())
        .await;
    for _ in 0..2 {
        let hunt = harness.hunt(&harness.user, ANYTHING).await;
        let hunt = harness.hunt_finished(&harness.user, hunt.id).await;
        assert_eq!(hunt.status, RetrohuntStatus::Completed, "{hunt:?}");
        assert_eq!(hunt.error, None, "far from the bytes quota: {hunt:?}");
    }

    let (status, refused) = harness
        .post_json("/v1/retrohunts", &json!({ "source": ANYTHING }))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (429, Some("hunts_per_day_exceeded")),
        "{refused}"
    );
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("2 of 2 hunts"), "{refused}");
}

/// A rule that runs for far longer than any budget here on a 64 KiB sample (see [`SLOW_RULE`]).
fn slow_sample(seed: u8) -> Vec<u8> {
    (0..65_536_u32)
        .map(|index| (index % 251) as u8 ^ seed)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_of_slow_samples_longer_than_the_handler_timeout_finishes_and_is_never_delivered_again()
 {
    // Eight samples whose scans each use their whole 1 s budget: 8 s and more in a batch of
    // eight, against a 6 s handler timeout. Without the chunk's time share the handler would
    // time out and the chunk be delivered again.
    let harness = Harness::start_with(|settings| {
        settings.service.retrohunt_scan_timeout = Duration::from_secs(1);
        settings.service.retrohunt_batch = 8;
        settings.runtime.bus.handler_timeout = Duration::from_secs(6);
        settings.runtime.bus.claim_idle = Duration::from_secs(20);
        settings.runtime.bus.batch_size = 1;
    })
    .await;
    for seed in 0..8 {
        let accepted = harness
            .upload_as(&harness.user, slow_sample(seed), SampleVisibility::Private)
            .await;
        harness.finished(accepted.analysis_id).await;
    }

    let hunt = harness.hunt(&harness.user, SLOW_RULE).await;
    let hunt = harness.hunt_finished(&harness.user, hunt.id).await;

    assert_eq!(hunt.status, RetrohuntStatus::Completed, "{hunt:?}");
    assert_eq!(
        (hunt.skipped, hunt.scanned),
        (8, 0),
        "every sample used its whole budget and none was skipped for lack of time: {hunt:?}"
    );
    let metric = |outcome: &str| {
        format!("nexus_bus_consumed_total{{stream=\"{RETROHUNT_STREAM}\",outcome=\"{outcome}\"}} ")
    };
    let acked = harness.service.metric(&metric("acked")).await.unwrap();
    assert!(acked >= 2.0, "the batch took several chunks: {acked}");
    for outcome in ["retry", "dead_lettered"] {
        let count = harness.service.metric(&metric(outcome)).await.unwrap();
        assert_eq!(
            count, 0.0,
            "no chunk outlived its handler timeout ({outcome})"
        );
    }
    let reclaimed = harness
        .service
        .metric(&format!(
            "nexus_bus_reclaimed_total{{stream=\"{RETROHUNT_STREAM}\"}} "
        ))
        .await
        .unwrap();
    assert_eq!(
        reclaimed, 0.0,
        "no chunk was taken over by another consumer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_completes_while_a_slow_hunt_holds_every_hunt_thread() {
    // One analysis thread and one hunt thread; the hunt's rule holds its thread for a minute.
    let harness = Harness::start_with(|settings| {
        settings.service.jobs.cpu_threads = 1;
        settings.service.jobs.hunt_threads = 1;
        settings.service.retrohunt_scan_timeout = Duration::from_secs(60);
        settings.runtime.bus.handler_timeout = Duration::from_secs(150);
        settings.runtime.bus.claim_idle = Duration::from_secs(200);
        settings.runtime.bus.batch_size = 1;
    })
    .await;
    let slow = harness
        .upload_as(&harness.user, slow_sample(0), SampleVisibility::Private)
        .await;
    harness.finished(slow.analysis_id).await;
    let hunt = harness.hunt(&harness.user, SLOW_RULE).await;
    let busy = "nexus_analysis_retrohunt_threads{state=\"busy\"} ";
    wait_until("the hunt to take every hunt thread", || async {
        (harness.service.metric(busy).await.unwrap() == 1.0).then_some(())
    })
    .await;

    // An upload is analysed with the platform's rules on the analysis thread meanwhile.
    let (analysis_id, _) = harness.upload_ok(fixture("eicar.com")).await;
    let analysis = harness.finished(&analysis_id).await;

    assert_eq!(analysis.status, AnalysisStatus::Completed, "{analysis:?}");
    let rules = yara_rules(&report_json(&analysis));
    assert!(
        rules
            .iter()
            .any(|rule| rule.to_lowercase().contains("eicar")),
        "{rules:?}"
    );
    // The hunt still holds its only thread, on its first sample: the analysis never waited
    // for it.
    assert_eq!(harness.service.metric(busy).await.unwrap(), 1.0);
    let threads = "nexus_analysis_retrohunt_threads{state=\"total\"} ";
    assert_eq!(harness.service.metric(threads).await.unwrap(), 1.0);
    let still = harness
        .api()
        .get_retrohunt(&CallContext::bearer(&harness.user), hunt.id)
        .await
        .unwrap();
    assert!(
        matches!(
            still.status,
            RetrohuntStatus::Queued | RetrohuntStatus::Running
        ) && still.scanned + still.skipped == 0,
        "{still:?}"
    );
}

/// A real nexus-user on `ctx` (fast password hashing), holding the accounts hunts belong to.
async fn user_service(ctx: &TestContext) -> TestService {
    let mut settings = ctx.settings::<UserSettings>();
    settings.service.password_hash = PasswordHashSettings::insecure_for_tests();
    ctx.spawn_with::<UserService>(settings).await.unwrap()
}

/// Registers `username` in nexus-user; its account id.
async fn register(users: &TestService, username: &str) -> Uuid {
    let request = RegisterRequest {
        email: format!("{username}@example.org"),
        username: username.to_owned(),
        password: "tangerine orbit quietly 71 lamps".to_owned(),
        referral_code: None,
    };
    let profile = users
        .client
        .users()
        .register(&CallContext::none(), &request)
        .await
        .unwrap();
    profile.public.user_id.to_string().parse().unwrap()
}

/// Polls hunt `id` on `service` as `token` until it is completed or failed.
async fn hunt_outcome(service: &TestService, token: &str, id: Uuid) -> RetrohuntView {
    let as_owner = CallContext::bearer(token);
    wait_until(&format!("retrohunt {id} to finish"), || async {
        let hunt = service
            .client
            .analysis()
            .get_retrohunt(&as_owner, id)
            .await
            .unwrap();
        matches!(
            hunt.status,
            RetrohuntStatus::Completed | RetrohuntStatus::Failed
        )
        .then_some(hunt)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hunt_reads_as_its_owner_now_so_a_demoted_owner_reads_less_and_a_disabled_or_banned_one_stops()
 {
    // Hunts are created while no worker runs; nexus-user holds the accounts.
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    let users = user_service(&harness.ctx).await;
    let root = register(&users, "root").await;
    let mut claims = harness.ctx.claims(&root.to_string(), &["admin"]);
    claims.amr = vec!["pwd".into(), "otp".into(), "mfa".into()];
    let admin = CallContext::bearer(harness.ctx.sign(&claims));
    let accounts = users.client.users();
    let set_role = |id: Uuid, role: &str| {
        let request = ChangeRoleRequest { role: role.into() };
        let (accounts, admin) = (&accounts, &admin);
        async move {
            accounts
                .change_role(admin, id.to_string().parse().unwrap(), &request)
                .await
                .unwrap();
        }
    };
    let set_status = |id: Uuid, action: StatusAction| {
        let (accounts, admin) = (&accounts, &admin);
        async move {
            accounts
                .status_action(admin, id.to_string().parse().unwrap(), action)
                .await
                .unwrap();
        }
    };
    let eve = register(&users, "eve").await; // an analyst throughout
    let ada = register(&users, "ada").await; // an analyst, then a user
    let bob = register(&users, "bob").await; // then disabled
    let cyd = register(&users, "cyd").await; // then banned
    set_role(eve, "analyst").await;
    set_role(ada, "analyst").await;

    // Another user's private upload that a bounty names: analysts may read it, users not.
    let dave = "0192f000-0000-7000-8000-0000000000dd";
    let dave_token = harness.token(dave, &["user"]);
    let artifact = harness
        .upload_as(
            &dave_token,
            b"a bounty's artifact: analysts may read it".to_vec(),
            SampleVisibility::Private,
        )
        .await;
    harness
        .api()
        .mark_bounty_artifact(
            &CallContext::none(),
            &artifact.sha256,
            dave.parse().unwrap(),
        )
        .await
        .unwrap();

    // Each owner creates a hunt with the token they hold now.
    let token = |id: Uuid, role: &str| harness.token(&id.to_string(), &[role]);
    let tokens = [
        token(eve, "analyst"),
        token(ada, "analyst"),
        token(bob, "user"),
        token(cyd, "user"),
    ];
    let mut hunts = Vec::new();
    for owner_token in &tokens {
        hunts.push(harness.hunt(owner_token, ANYTHING).await.id);
    }

    // Then an administrator demotes ada, disables bob and bans cyd.
    set_role(ada, "user").await;
    set_status(bob, StatusAction::Disable).await;
    set_status(cyd, StatusAction::Ban).await;

    // A worker that reaches nexus-user runs the hunts.
    let Harness {
        ctx,
        store,
        service: creator,
        ..
    } = harness;
    creator.running.shutdown().await;
    let mut hunting = settings(&ctx, &store);
    hunting.service.user_url = users.base_url();
    let service = ctx.spawn_with::<AnalysisService>(hunting).await.unwrap();
    let mut outcomes = Vec::new();
    for (owner_token, id) in tokens.iter().zip(&hunts) {
        outcomes.push(hunt_outcome(&service, owner_token, *id).await);
    }
    let [eve_hunt, ada_hunt, bob_hunt, cyd_hunt] = &outcomes[..] else {
        unreachable!()
    };

    // Still an analyst: the artifact is read and matched.
    assert_eq!(eve_hunt.status, RetrohuntStatus::Completed, "{eve_hunt:?}");
    assert!(
        eve_hunt
            .matches
            .iter()
            .any(|found| found.sha256 == artifact.sha256),
        "{eve_hunt:?}"
    );
    // Demoted: the hunt reads as a user, to whom the artifact is not readable.
    assert_eq!(ada_hunt.status, RetrohuntStatus::Completed, "{ada_hunt:?}");
    assert!(
        !ada_hunt
            .matches
            .iter()
            .any(|found| found.sha256 == artifact.sha256),
        "a demoted owner's hunt read a sample only analysts may read: {ada_hunt:?}"
    );
    // Disabled, banned: the hunts stop, failed, with a stable reason and nothing scanned.
    for (hunt, code) in [(bob_hunt, "owner_disabled"), (cyd_hunt, "owner_banned")] {
        assert_eq!(hunt.status, RetrohuntStatus::Failed, "{hunt:?}");
        let reason = hunt.error.as_deref().unwrap_or_default();
        assert!(reason.starts_with(&format!("{code}:")), "{hunt:?}");
        assert_eq!((hunt.scanned, hunt.matches.len()), (0, 0), "{hunt:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hunt_over_the_s3_store_scans_mapped_downloads_and_leaves_none_behind() {
    let moto = Moto::start().await;
    let bucket = moto.bucket("hunts").await;
    let harness = Harness::start_with(|settings| {
        settings.service.samples.backend = nexus_analysis::settings::SampleBackend::S3;
        settings.service.samples.s3 = bucket;
    })
    .await;
    for name in ["eicar.com", "tiny"] {
        let (analysis_id, _) = harness.upload_ok(fixture(name)).await;
        harness.finished(&analysis_id).await;
    }

    let source =
        r#"rule eicar_in_s3 { strings: $e = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $e }"#;
    let hunt = harness.hunt(&harness.user, source).await;
    let hunt = harness.hunt_finished(&harness.user, hunt.id).await;

    assert_eq!(hunt.status, RetrohuntStatus::Completed, "{hunt:?}");
    assert_eq!((hunt.scanned, hunt.skipped), (2, 0), "{hunt:?}");
    assert_eq!(hunt.matches.len(), 1, "{hunt:?}");
    assert_eq!(hunt.matches[0].sha256.as_str(), EICAR_SHA256);
    // Each sample was streamed into a staged download, mapped and deleted after its scan.
    let mut left = Vec::new();
    let mut pending = vec![harness.store.0.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                left.push(path);
            }
        }
    }
    assert!(left.is_empty(), "no download stays local: {left:?}");
}
