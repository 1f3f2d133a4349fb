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
    runtime.block_on(run::<S>(name))
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
