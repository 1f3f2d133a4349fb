//! The connection pool and the start-up retry loop.

use std::str::FromStr;

use nexus_config::DatabaseSettings;
use nexus_config::retry::retry_pauses;
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
    let mut pauses = retry_pauses(settings.retry_backoff, settings.connect_retries).enumerate();
    loop {
        let error = match sqlx::query_scalar!("SELECT 1").fetch_one(pool).await {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let Some((attempt, pause)) = pauses.next() else {
            return Err(DbError::from(error));
        };
        tracing::warn!(
            attempt = attempt + 1,
            retries = settings.connect_retries,
            error = %error,
            "PostgreSQL is not reachable yet; retrying."
        );
        tokio::time::sleep(pause).await;
    }
}
