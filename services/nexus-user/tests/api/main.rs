//! nexus-user through its real HTTP API and as a real process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod credentials;
mod helpers;
mod openapi;
mod profiles;
mod referrals;
mod registration;
mod roles;
mod security;
mod wallet_owner;
mod wallets;
mod ws_keys;

use nexus_config::ServiceKind;
use nexus_testkit::lifecycle::{assert_binary_lifecycle, assert_in_process_lifecycle};
use nexus_user::UserService;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_becomes_ready_exposes_metrics_and_shuts_down_cleanly() {
    if let Err(error) = assert_in_process_lifecycle::<UserService>().await {
        panic!("{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_becomes_ready_and_exits_cleanly_on_sigterm() {
    if let Err(error) =
        assert_binary_lifecycle(ServiceKind::User, env!("CARGO_BIN_EXE_nexus-user")).await
    {
        panic!("{error}");
    }
}

/// `nexus-user migrate` (the runtime's command for the Kubernetes release Job and the compose
/// one-shot) applies every embedded migration to an empty database and exits 0, and again
/// with nothing left to apply; it never starts serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_migrate_command_applies_the_migrations_and_exits() {
    let database =
        nexus_db::testing::TestDatabase::create_empty(&nexus_db::testing::server_url_from_env())
            .await
            .unwrap();
    for run in ["first", "second"] {
        let output = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            tokio::process::Command::new(env!("CARGO_BIN_EXE_nexus-user"))
                .arg("migrate")
                .env("NEXUS_DATABASE__URL", &database.url)
                .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
                .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
                .output(),
        )
        .await
        .expect("migrate exits")
        .expect("the binary runs");
        assert_eq!(output.status.code(), Some(0), "{run} run: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("migrations are applied"),
            "{run} run: {stderr}"
        );
    }
    let applied: i64 =
        sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM _sqlx_migrations WHERE success"#)
            .fetch_one(&database.pool)
            .await
            .unwrap();
    let embedded = nexus_db::migrate::MIGRATOR.iter().count();
    assert_eq!(usize::try_from(applied).unwrap(), embedded);
}

/// The binary reads `[user]` from the environment and refuses Argon2 parameters below the
/// OWASP minimum; the test-only waiver cannot be switched on from configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_argon2_parameters_below_the_minimum_even_with_the_waiver_set() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nexus-user"))
        .env("NEXUS_USER__PASSWORD_HASH__MEMORY_KIB", "1024")
        .env("NEXUS_USER__PASSWORD_HASH__ITERATIONS", "1")
        .env("NEXUS_USER__PASSWORD_HASH__ALLOW_BELOW_MINIMUM", "true")
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .output()
        .await
        .expect("the binary runs");

    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("user.password_hash.memory_kib must be at least 19456"),
        "{stderr}"
    );
    assert!(
        stderr.contains("user.password_hash.iterations must be at least 2"),
        "{stderr}"
    );
}
