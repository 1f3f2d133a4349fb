//! The connection pool and the start-up retry loop.

use std::str::FromStr;
use std::time::Duration;

use nexus_config::DatabaseSettings;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::error::DbError;

/// A pool that connects on first use, so a service can start (and answer `/ready` with 503)
/// while PostgreSQL is still coming up.
pub fn connect_lazy(settings: &DatabaseSettings) -> Result<PgPool, DbError> {
    let options =
        PgConnectOptions::from_str(settings.url.expose_secret()).map_err(DbError::Query)?;
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy_with(options))
}

/// Tries a connection `1 + settings.connect_retries` times, doubling the pause from
/// `settings.retry_backoff` each time (the seed's "3 retries"), and returns the last error.
pub async fn wait_until_reachable(
    pool: &PgPool,
    settings: &DatabaseSettings,
) -> Result<(), DbError> {
    let mut pause = settings.retry_backoff;
    let mut attempt = 0;
    loop {
        match sqlx::query("SELECT 1").execute(pool).await {
            Ok(_) => return Ok(()),
            Err(error) if attempt < settings.connect_retries => {
                attempt += 1;
                tracing::warn!(
                    attempt,
                    retries = settings.connect_retries,
                    error = %error,
                    "PostgreSQL is not reachable yet; retrying."
                );
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2).min(Duration::from_secs(30));
            }
            Err(error) => return Err(DbError::from(error)),
        }
    }
}
