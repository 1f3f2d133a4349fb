//! `auth.policy_versions`: published Cedar policy sets.

use nexus_db::DbError;
use nexus_policy::PolicySource;
use nexus_proto::auth::PoliciesPublished;

use super::Store;
use super::audit::{AuditRecord, insert};

/// Serialises publications (advisory lock key: "nexus-auth policies").
const PUBLISH_LOCK: i64 = 0x6e78_6175_7468_0001;

/// A stored policy version.
#[derive(Debug, Clone)]
pub struct PolicyVersionRow {
    /// Version number.
    pub version: i64,
    /// Content digest.
    pub digest: String,
    /// The sources.
    pub sources: Vec<PolicySource>,
}

fn decode(sources: serde_json::Value) -> Result<Vec<PolicySource>, DbError> {
    serde_json::from_value(sources)
        .map_err(|error| DbError::Query(sqlx::Error::Decode(Box::new(error))))
}

fn encode(sources: &[PolicySource]) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(sources)
        .map_err(|error| DbError::Query(sqlx::Error::Encode(Box::new(error))))
}

impl Store {
    /// Stores `sources` as version 1 if no version exists yet (several instances may race;
    /// one wins, the others do nothing).
    #[tracing::instrument(skip_all)]
    pub async fn seed_policies(
        &self,
        digest: &str,
        sources: &[PolicySource],
    ) -> Result<bool, DbError> {
        let result = sqlx::query!(
            "INSERT INTO auth.policy_versions (version, digest, sources, comment, published_by) \
             SELECT 1, $1, $2, 'shipped policies', 'system' \
             WHERE NOT EXISTS (SELECT 1 FROM auth.policy_versions) ON CONFLICT (version) DO NOTHING",
            digest,
            encode(sources)?,
        )
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The active (highest) version.
    #[tracing::instrument(skip(self))]
    pub async fn active_policies(&self) -> Result<Option<PolicyVersionRow>, DbError> {
        let row = sqlx::query!(
            "SELECT version, digest, sources FROM auth.policy_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PolicyVersionRow {
                version: row.version,
                digest: row.digest,
                sources: decode(row.sources)?,
            })
        })
        .transpose()
    }

    /// Stores `sources` as the next version, with its `PoliciesPublished` outbox event and
    /// audit row, in one transaction; returns the version number.
    #[tracing::instrument(skip_all)]
    pub async fn publish_policies(
        &self,
        digest: &str,
        sources: &[PolicySource],
        comment: Option<&str>,
        published_by: &str,
        audit: AuditRecord,
    ) -> Result<i64, DbError> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query!("SELECT pg_advisory_xact_lock($1)", PUBLISH_LOCK)
            .execute(&mut *transaction)
            .await?;
        let version = sqlx::query_scalar!(
            r#"SELECT coalesce(max(version), 0) + 1 AS "version!" FROM auth.policy_versions"#
        )
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query!(
            "INSERT INTO auth.policy_versions (version, digest, sources, comment, published_by) \
             VALUES ($1, $2, $3, $4, $5)",
            version,
            digest,
            encode(sources)?,
            comment,
            published_by,
        )
        .execute(&mut *transaction)
        .await?;
        let published = PoliciesPublished {
            version,
            digest: digest.to_owned(),
        };
        self.outbox
            .enqueue_event(&mut transaction, published, None)
            .await?;
        let mut audit = audit;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("version".into(), version.into());
        }
        insert(&mut transaction, &audit).await?;
        transaction.commit().await?;
        Ok(version)
    }
}
