//! The embedded migration stream.

use sqlx::PgPool;
use sqlx::migrate::Migrator;

use crate::error::DbError;

/// Every migration in the repository's `migrations/` directory, embedded at build time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Applies pending migrations. Safe to call from several services at once: sqlx serialises
/// runs with a PostgreSQL advisory lock, and applied migrations are skipped by version.
pub async fn run(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// A fingerprint of the embedded migrations (versions and checksums), used by the test kit to
/// name a template database that is rebuilt whenever a migration changes.
pub fn fingerprint() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in MIGRATOR.iter() {
        for byte in migration
            .version
            .to_le_bytes()
            .iter()
            .chain(migration.checksum.iter())
        {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
