//! Dependency probes behind `/ready`.

use std::sync::PoisonError;

use futures_util::future::BoxFuture;
use nexus_bus::Bus;
use nexus_http::ReadinessCheck;
use sqlx::PgPool;

use crate::workers::FailedWorkers;

/// `SELECT 1` on the pool.
pub struct PostgresCheck(pub PgPool);

impl ReadinessCheck for PostgresCheck {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            sqlx::query_scalar!("SELECT 1")
                .fetch_one(&self.0)
                .await
                .map(|_| ())
                .map_err(|error| match error {
                    sqlx::Error::PoolTimedOut => {
                        "no connection could be established in time".to_owned()
                    }
                    sqlx::Error::Io(io) => format!("connection failed: {io}"),
                    other => format!("query failed: {}", nexus_db::DbError::from(other).code()),
                })
        })
    }
}

/// `PING` on the bus connection.
pub struct RedisCheck(pub Bus);

impl ReadinessCheck for RedisCheck {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.0.ping().await.map_err(|error| error.to_string()) })
    }
}

/// Fails once any background worker has stopped on its own.
pub(crate) struct WorkersCheck(pub(crate) FailedWorkers);

impl ReadinessCheck for WorkersCheck {
    fn name(&self) -> &'static str {
        "workers"
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        let failed = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Box::pin(async move {
            if failed.is_empty() {
                Ok(())
            } else {
                Err(format!("stopped unexpectedly: {}", failed.join(", ")))
            }
        })
    }
}
