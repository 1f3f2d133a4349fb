//! The production entry point shared by all nine binaries.

use std::process::ExitCode;

use nexus_config::ConfigSource;
use nexus_http::error::cause_chain;

use crate::service::Service;
use crate::settings::Settings;
use crate::start::start;

/// Exit code when configuration is unusable (nothing was started).
const EXIT_CONFIG: u8 = 2;
/// Exit code when start-up failed or shutdown was not clean.
const EXIT_FAILURE: u8 = 1;

/// Runs service `S` until SIGTERM or SIGINT: loads configuration from `NEXUS_CONFIG_FILE` and
/// `NEXUS_*`, initialises telemetry once, starts, waits for a signal, shuts down gracefully and
/// exits 0 only if everything stopped cleanly.
///
/// `<binary> migrate` instead applies the embedded migrations to `database.url` and exits (0
/// when they are applied): the Kubernetes release Job runs it once per release, so replicas
/// started with `database.run_migrations = false` never race a schema change
/// (docs/OPERATIONS.md).
pub fn main<S: Service>() -> ExitCode {
    let name = S::KIND.binary_name();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: could not start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if std::env::args().nth(1).as_deref() == Some("migrate") {
        return runtime.block_on(migrate::<S>(name));
    }
    runtime.block_on(run::<S>(name))
}

/// `<binary> migrate`: the settings loaded and validated as at a start (exit 2 when refused, so
/// `deploy/tests/check_settings.py` can check a deployment's environment with it), then only
/// the migrations (exit 1 when the database is unreachable or a migration fails).
async fn migrate<S: Service>(name: &'static str) -> ExitCode {
    let (settings, warnings) =
        match Settings::<S::Settings>::load(S::KIND, ConfigSource::from_environment()) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("{name}: {} [{}]", cause_chain(&error), error.code());
                return ExitCode::from(EXIT_CONFIG);
            }
        };
    for warning in warnings {
        eprintln!("{name} migrate: configuration warning: {warning}");
    }
    let database = &settings.runtime.database;
    let applied = async {
        let pool = nexus_db::connect_lazy(database)?;
        nexus_db::wait_until_reachable(&pool, database).await?;
        nexus_db::migrate::run(&pool).await?;
        pool.close().await;
        Ok::<(), nexus_db::DbError>(())
    };
    match applied.await {
        Ok(()) => {
            eprintln!("{name} migrate: the database migrations are applied");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{name} migrate: {} [{}]", cause_chain(&error), error.code());
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

async fn run<S: Service>(name: &'static str) -> ExitCode {
    let (settings, warnings) =
        match Settings::<S::Settings>::load(S::KIND, ConfigSource::from_environment()) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("{name}: {} [{}]", cause_chain(&error), error.code());
                return ExitCode::from(EXIT_CONFIG);
            }
        };
    crate::start::install_crypto_provider();
    let telemetry = match nexus_telemetry::init_tracing(name, &settings.runtime.telemetry) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("{name}: {} [{}]", cause_chain(&error), error.code());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    for warning in warnings {
        tracing::warn!(warning = %warning, "Configuration warning.");
    }
    let running = match start::<S>(settings).await {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(error = %cause_chain(&error), code = error.code(), "The service could not start.");
            telemetry.shutdown();
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    wait_for_signal().await;
    let report = running.shutdown().await;
    telemetry.shutdown();
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// Resolves on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => tracing::info!("Received SIGTERM."),
                    _ = tokio::signal::ctrl_c() => tracing::info!("Received SIGINT."),
                }
            }
            Err(error) => {
                tracing::warn!(error = %error, "SIGTERM handler unavailable; waiting for Ctrl-C only.");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
