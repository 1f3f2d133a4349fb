//! User YARA rulesets: stored with `RulesetPublished` in the outbox, read by their readers.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::analysis::RulesetPublished;

use super::Store;
use crate::error::AnalysisError;

/// A stored ruleset.
#[derive(Debug, Clone)]
pub struct RulesetRow {
    /// Id.
    pub id: i64,
    /// Name (its YARA namespace).
    pub name: String,
    /// Author's account id.
    pub owner: String,
    /// YARA source.
    pub source: String,
    /// Readable by everyone.
    pub is_public: bool,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Stores a user ruleset and writes `RulesetPublished` to the outbox, in one
    /// transaction; `RulesetExists` when the name is taken. Returns its id and creation time.
    #[tracing::instrument(skip_all, fields(name = %name))]
    pub async fn insert_ruleset(
        &self,
        name: &str,
        owner: &str,
        source: &str,
    ) -> Result<(i64, DateTime<Utc>), AnalysisError> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query!(
            "INSERT INTO analysis.rulesets (name, owner, source) VALUES ($1, $2, $3) \
             RETURNING id, created_at",
            name,
            owner,
            source,
        )
        .fetch_one(&mut *transaction)
        .await
        .map_err(|error| match DbError::from(error) {
            DbError::Conflict { .. } => AnalysisError::RulesetExists(name.to_owned()),
            other => AnalysisError::Database(other),
        })?;
        let published = RulesetPublished {
            ruleset_id: row.id,
            name: name.to_owned(),
        };
        self.outbox
            .enqueue_event(&mut transaction, published, None)
            .await?;
        transaction.commit().await?;
        Ok((row.id, row.created_at))
    }

    /// One ruleset; `None` when it does not exist.
    #[tracing::instrument(skip_all, fields(ruleset_id = id))]
    pub async fn ruleset(&self, id: i64) -> Result<Option<RulesetRow>, AnalysisError> {
        Ok(sqlx::query_as!(
            RulesetRow,
            "SELECT id, name, owner, source, is_public, created_at FROM analysis.rulesets \
             WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?)
    }
}
