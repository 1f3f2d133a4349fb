//! Fresh, migrated databases for tests, cloned from a template so each costs milliseconds.
//!
//! `CREATE DATABASE`, `DROP DATABASE` and `TEMPLATE` take identifiers, not parameters, so those
//! statements are built at run time (`AssertSqlSafe`) and `sqlx::query!` cannot check them; the
//! names put into them are generated here (`nexus_test_<uuid hex>`, `nexus_template_<hex
//! fingerprint>`) or re-checked to have that shape, never taken from input. The catalogue
//! queries around them are checked at compile time.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};

use crate::error::DbError;
use crate::migrate;

/// Advisory lock key serialising template creation and cloning across test processes.
const TEMPLATE_LOCK: i64 = 0x6e65_7875_735f_7462; // "nexus_tb"

/// Environment variable naming the PostgreSQL server tests use. It deliberately does not start
/// with `NEXUS_`, which is the prefix of the services' own configuration.
pub const TEST_DATABASE_URL_VAR: &str = "TEST_NEXUS_DATABASE_URL";

/// The server tests create databases on: `TEST_NEXUS_DATABASE_URL`, else the local default
/// `postgres://postgres@127.0.0.1:5432/postgres` that `scripts/test.sh` provides.
pub fn server_url_from_env() -> String {
    std::env::var(TEST_DATABASE_URL_VAR)
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test and dropped when this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// The database name, `nexus_test_<uuid>`.
    pub name: String,
    /// Connection options pointing at it.
    pub options: PgConnectOptions,
    /// A URL for it (for settings structs and child processes).
    pub url: String,
    /// A small pool on it.
    pub pool: PgPool,
    server: PgConnectOptions,
}

impl TestDatabase {
    /// Creates a database migrated to the current migrations on the server `server_url` points
    /// at (any database on it; the maintenance database `postgres` is used for admin work).
    pub async fn create(server_url: &str) -> Result<Self, DbError> {
        Self::create_with(server_url, true).await
    }

    /// Like [`TestDatabase::create`], but empty: no migration applied (for tests of the
    /// migration path itself, e.g. a service binary's `migrate` command).
    pub async fn create_empty(server_url: &str) -> Result<Self, DbError> {
        Self::create_with(server_url, false).await
    }

    async fn create_with(server_url: &str, migrated: bool) -> Result<Self, DbError> {
        let server = PgConnectOptions::from_str(server_url).map_err(DbError::Query)?;
        let template = format!("nexus_template_{}", migrate::fingerprint());
        let name = format!("nexus_test_{}", uuid::Uuid::now_v7().simple());

        let mut admin = server.clone().database("postgres").connect().await?;
        sqlx::query!("SELECT pg_advisory_lock($1)", TEMPLATE_LOCK)
            .execute(&mut admin)
            .await?;
        let outcome = async {
            drop_abandoned_databases(&mut admin).await?;
            // Names are generated here from hex digits, never input: safe to interpolate.
            let create = if migrated {
                ensure_template(&mut admin, &server, &template).await?;
                format!("CREATE DATABASE {name} TEMPLATE {template}")
            } else {
                format!("CREATE DATABASE {name}")
            };
            sqlx::query(AssertSqlSafe(create))
                .execute(&mut admin)
                .await?;
            Ok::<(), DbError>(())
        }
        .await;
        sqlx::query!("SELECT pg_advisory_unlock($1)", TEMPLATE_LOCK)
            .fetch_one(&mut admin)
            .await?;
        admin.close().await?;
        outcome?;

        let options = server.clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect_with(options.clone())
            .await?;
        let url = options.to_url_lossy().to_string();
        Ok(Self {
            name,
            options,
            url,
            pool,
            server,
        })
    }
}

async fn ensure_template(
    admin: &mut PgConnection,
    server: &PgConnectOptions,
    template: &str,
) -> Result<(), DbError> {
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "exists!""#,
        template
    )
    .fetch_one(&mut *admin)
    .await?;
    if exists {
        return Ok(());
    }
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {template}")))
        .execute(&mut *admin)
        .await?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server.clone().database(template))
        .await?;
    let migrated = migrate::run(&pool).await;
    pool.close().await;
    if let Err(error) = migrated {
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {template}")))
            .execute(&mut *admin)
            .await?;
        return Err(error);
    }
    Ok(())
}

/// Test databases older than this were left by a killed test run and are dropped.
const ABANDONED_AFTER_MS: u64 = 60 * 60 * 1000;

/// Drops `nexus_test_*` databases whose UUIDv7 name says they are over an hour old: left
/// behind by test processes that were killed before their `Drop` ran.
async fn drop_abandoned_databases(admin: &mut PgConnection) -> Result<(), DbError> {
    let names = sqlx::query_scalar!(
        r#"SELECT datname::text AS "datname!" FROM pg_database WHERE datname LIKE 'nexus\_test\_%'"#
    )
    .fetch_all(&mut *admin)
    .await?;
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    for name in names {
        let created_ms = name
            .strip_prefix("nexus_test_")
            .and_then(|hex| hex.get(..12))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok());
        let is_ours = name.len() == "nexus_test_".len() + 32
            && name.bytes().skip(11).all(|b| b.is_ascii_hexdigit());
        if let Some(created_ms) = created_ms
            && is_ours
            && now_ms.saturating_sub(created_ms) > ABANDONED_AFTER_MS
        {
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await?;
        }
    }
    Ok(())
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop cannot await; a short-lived thread with its own runtime removes the database.
        // It must not wait for the pool to close: connections still being returned need the
        // test's runtime, which is blocked here. `WITH (FORCE)` ends them server-side instead.
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut admin) = server.database("postgres").connect().await {
                    let _ = sqlx::query(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}
