//! nexus-analysis through its real HTTP API and as a real process, against real PostgreSQL and
//! Redis (nexus-testkit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod analyze_form;
mod bounty_artifact;
mod events;
mod export;
mod file_summary;
mod files;
mod helpers;
mod hunts;
mod job_guarantees;
mod jobs;
mod listing;
mod openapi;
mod process_kills;
mod reanalyse;
mod reconcile;
mod report;
mod rules;
mod s3_store;
mod staging;

use nexus_analysis::AnalysisService;
use nexus_config::ServiceKind;
use nexus_testkit::lifecycle::{assert_binary_lifecycle, assert_in_process_lifecycle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle::<AnalysisService>().await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) =
        assert_binary_lifecycle(ServiceKind::Analysis, env!("CARGO_BIN_EXE_nexus-analysis")).await
    {
        panic!("{error}");
    }
}
