//! What the read API serves: the last reorganisation, the parameters in force and an account's
//! stake, all from what the listener stored.

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::chain::{BlockRef, ParameterValue, ReorgView};

use super::{Store, big, unsigned};

/// An account's stake from the projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeRow {
    /// Staked, wei.
    pub staked: String,
    /// Cooling down, wei.
    pub unstaking: String,
    /// Unix seconds.
    pub unlock_time: u64,
}

impl Store {
    /// The last reorganisation that reached stored blocks of `chain_id`.
    pub async fn last_reorg(&self, chain_id: u64) -> Result<Option<ReorgView>, DbError> {
        let row = sqlx::query!(
            "SELECT detected_at, depth, ancestor_number, ancestor_hash, retracted_events
             FROM chain.reorgs WHERE chain_id = $1 ORDER BY id DESC LIMIT 1",
            big(chain_id)?
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| ReorgView {
            detected_at: row.detected_at,
            depth: unsigned(row.depth),
            common_ancestor: BlockRef {
                number: unsigned(row.ancestor_number),
                hash: row.ancestor_hash,
            },
            retracted_events: unsigned(row.retracted_events),
        }))
    }

    /// The time of the stored block `number`, if stored.
    pub async fn block_time(
        &self,
        chain_id: u64,
        number: u64,
    ) -> Result<Option<DateTime<Utc>>, DbError> {
        Ok(sqlx::query_scalar!(
            "SELECT block_time FROM chain.blocks WHERE chain_id = $1 AND number = $2",
            big(chain_id)?,
            big(number)?
        )
        .fetch_optional(self.pool())
        .await?)
    }

    /// Every parameter's latest value, by name, with the value before it.
    pub async fn parameters(&self, chain_id: u64) -> Result<Vec<ParameterValue>, DbError> {
        let rows = sqlx::query!(
            r#"SELECT name AS "name!", value AS "value!", previous FROM (
                 SELECT name, value,
                        lead(value) OVER (PARTITION BY name
                                          ORDER BY block_number DESC, log_index DESC) AS previous,
                        row_number() OVER (PARTITION BY name
                                           ORDER BY block_number DESC, log_index DESC) AS recency
                 FROM chain.parameters WHERE chain_id = $1
               ) AS history WHERE recency = 1 ORDER BY name"#,
            big(chain_id)?
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| ParameterValue {
                name: row.name,
                value: row.value,
                previous: row.previous,
            })
            .collect())
    }

    /// The account's latest stake in the projection, if it ever staked.
    pub async fn stake(&self, chain_id: u64, account: &str) -> Result<Option<StakeRow>, DbError> {
        let row = sqlx::query!(
            r#"SELECT staked::text AS "staked!", unstaking::text AS "unstaking!", unlock_time
               FROM chain.stakes WHERE chain_id = $1 AND account = $2
               ORDER BY block_number DESC, log_index DESC LIMIT 1"#,
            big(chain_id)?,
            account
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|row| StakeRow {
            staked: row.staked,
            unstaking: row.unstaking,
            unlock_time: unsigned(row.unlock_time),
        }))
    }
}
