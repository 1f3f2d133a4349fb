//! Checkpoints, stored block headers and the rollback of a reorganisation.

use nexus_db::DbError;
use nexus_proto::Envelope;
use nexus_proto::chain::{BlockRef, ChainEventsRetracted, LogPosition, RetractedEvent};
use sqlx::PgConnection;

use super::ingest::{StakeRead, insert_stakes};
use super::{Store, big, unsigned};

/// Where ingestion of one chain stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The block ingestion began at (the deployment block).
    pub start_block: u64,
    /// The last block read.
    pub block: BlockRef,
}

/// What a rollback undid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// The published events it retracted (and announced in one `ChainEventsRetracted`).
    pub retracted: Vec<RetractedEvent>,
}

impl Store {
    /// The checkpoint of `chain_id`, if ingestion has begun.
    pub async fn checkpoint(&self, chain_id: u64) -> Result<Option<Checkpoint>, DbError> {
        let mut connection = self.pool().acquire().await?;
        Self::checkpoint_on(&mut connection, chain_id).await
    }

    /// [`Store::checkpoint`] on `connection` (the follower keeps one while it backfills).
    pub async fn checkpoint_on(
        connection: &mut PgConnection,
        chain_id: u64,
    ) -> Result<Option<Checkpoint>, DbError> {
        let row = sqlx::query!(
            "SELECT start_block, block_number, block_hash FROM chain.checkpoints
             WHERE chain_id = $1",
            big(chain_id)?
        )
        .fetch_optional(&mut *connection)
        .await?;
        Ok(row.map(|row| Checkpoint {
            start_block: unsigned(row.start_block),
            block: BlockRef {
                number: unsigned(row.block_number),
                hash: row.block_hash,
            },
        }))
    }

    /// Stored headers from `tip` down, newest first: every one at or above `lowest`, and the
    /// first one below it (the candidate ancestor at the edge of the maximum depth).
    pub async fn blocks_down_from(
        &self,
        chain_id: u64,
        lowest: u64,
    ) -> Result<Vec<BlockRef>, DbError> {
        let rows = sqlx::query!(
            r#"SELECT number AS "number!", hash AS "hash!" FROM (
                 (SELECT number, hash FROM chain.blocks WHERE chain_id = $1 AND number >= $2)
                 UNION ALL
                 (SELECT number, hash FROM chain.blocks WHERE chain_id = $1 AND number < $2
                  ORDER BY number DESC LIMIT 1)
               ) AS recent ORDER BY number DESC"#,
            big(chain_id)?,
            big(lowest)?
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| BlockRef {
                number: unsigned(row.number),
                hash: row.hash,
            })
            .collect())
    }

    /// The accounts with a stake row above block `number` (a rollback to `number` deletes them).
    pub async fn stake_accounts_above(
        &self,
        chain_id: u64,
        number: u64,
    ) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar!(
            "SELECT DISTINCT account FROM chain.stakes WHERE chain_id = $1 AND block_number > $2
             ORDER BY account",
            big(chain_id)?,
            big(number)?
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Undoes everything stored above `ancestor` (everything, with `None`) on `chain_id`, in one
    /// transaction: logs, headers, projections and the checkpoint, and records the
    /// reorganisation. When it takes back published events, a `ChainEventsRetracted` naming them
    /// (newest first) is written to the outbox in the same transaction. `restored` are the stakes
    /// at the ancestor of the accounts whose stake rows go (read by the caller).
    pub async fn roll_back(
        &self,
        chain_id: u64,
        ancestor: Option<&BlockRef>,
        orphaned: &[BlockRef],
        depth: u64,
        restored: &[StakeRead],
    ) -> Result<Rollback, DbError> {
        let chain = big(chain_id)?;
        // -1: with no surviving block, everything from block 0 up goes.
        let above = match ancestor {
            Some(block) => big(block.number)?,
            None => -1,
        };
        let mut transaction = self.pool().begin().await?;
        let rows = sqlx::query!(
            r#"DELETE FROM chain.logs WHERE chain_id = $1 AND block_number > $2
               RETURNING envelope_id, event_name, block_number, block_hash, transaction_hash,
                         log_index, contract, block_time"#,
            chain,
            above
        )
        .fetch_all(&mut *transaction)
        .await?;
        let mut retracted: Vec<RetractedEvent> = rows
            .into_iter()
            .filter_map(|row| {
                Some(RetractedEvent {
                    envelope_id: row.envelope_id?,
                    name: row.event_name?,
                    log: LogPosition {
                        chain_id,
                        block_number: unsigned(row.block_number),
                        block_hash: row.block_hash,
                        transaction_hash: row.transaction_hash,
                        log_index: unsigned(row.log_index),
                        contract: row.contract,
                        block_time: row.block_time.unwrap_or_default(),
                    },
                })
            })
            .collect();
        retracted.sort_by(|a, b| {
            (b.log.block_number, b.log.log_index).cmp(&(a.log.block_number, a.log.log_index))
        });
        sqlx::query!(
            "DELETE FROM chain.blocks WHERE chain_id = $1 AND number > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query!(
            "DELETE FROM chain.bounties WHERE chain_id = $1 AND block_number > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query!(
            "DELETE FROM chain.assertions WHERE chain_id = $1 AND block_number > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query!(
            "UPDATE chain.assertions SET verdict = NULL, revealed_block = NULL
             WHERE chain_id = $1 AND revealed_block > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query!(
            "DELETE FROM chain.stakes WHERE chain_id = $1 AND block_number > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        insert_stakes(&mut transaction, chain, restored).await?;
        super::proposals::delete_proposals_above(&mut transaction, chain, above).await?;
        sqlx::query!(
            "DELETE FROM chain.parameters WHERE chain_id = $1 AND block_number > $2",
            chain,
            above
        )
        .execute(&mut *transaction)
        .await?;
        match ancestor {
            Some(block) => {
                sqlx::query!(
                    "UPDATE chain.checkpoints SET block_number = $2, block_hash = $3,
                     updated_at = now() WHERE chain_id = $1",
                    chain,
                    above,
                    block.hash
                )
                .execute(&mut *transaction)
                .await?;
            }
            None => {
                sqlx::query!("DELETE FROM chain.checkpoints WHERE chain_id = $1", chain)
                    .execute(&mut *transaction)
                    .await?;
            }
        }
        let common_ancestor = ancestor.cloned().unwrap_or(BlockRef {
            number: 0,
            hash: String::new(),
        });
        sqlx::query!(
            "INSERT INTO chain.reorgs (chain_id, depth, ancestor_number, ancestor_hash,
             retracted_events) VALUES ($1, $2, $3, $4, $5)",
            chain,
            big(depth)?,
            big(common_ancestor.number)?,
            common_ancestor.hash,
            big(retracted.len() as u64)?
        )
        .execute(&mut *transaction)
        .await?;
        if !retracted.is_empty() {
            let mut orphaned_blocks = orphaned.to_vec();
            orphaned_blocks.sort_by_key(|block| block.number);
            let event = ChainEventsRetracted {
                chain_id,
                common_ancestor,
                orphaned_blocks,
                depth,
                retracted: retracted.clone(),
            };
            self.outbox()
                .enqueue(&mut transaction, &Envelope::new(event))
                .await?;
        }
        transaction.commit().await?;
        Ok(Rollback { retracted })
    }
}
