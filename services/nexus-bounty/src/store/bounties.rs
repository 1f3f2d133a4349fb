//! Bounties (`bounty.bounties`, migration `20261207150000_bounty_bounties.sql`): the posted
//! terms, the artifact and the read model of the life cycle.
//!
//! Amounts are `numeric(39, 0)` in the table and decimal text in Rust (`reward::text`): exact for
//! the whole `uint128` range without a decimal crate, and the column still sorts numerically.

use alloy::primitives::{Address, B256, Bytes};
use chrono::{DateTime, Utc};
use nexus_db::DbError;
use uuid::Uuid;

use super::Store;
use crate::error::BountyError;
use crate::relayer::NewTransaction;

/// One row of `bounty.bounties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BountyRow {
    /// The platform's id.
    pub id: Uuid,
    /// The poster's account id.
    pub creator_id: String,
    /// The wallet that signed the create intent (20 bytes).
    pub creator_address: Vec<u8>,
    /// `file`, `url` or `contract`.
    pub artifact_kind: String,
    /// The contract's artifactHash (32 bytes).
    pub artifact_hash: Vec<u8>,
    /// The URL of a URL artifact.
    pub artifact_url: Option<String>,
    /// The chain id of a contract artifact.
    pub artifact_chain_id: Option<i64>,
    /// The address of a contract artifact (20 bytes).
    pub artifact_address: Option<Vec<u8>>,
    /// Reward, wei (decimal text).
    pub reward: String,
    /// Minimum stake per assertion, wei (decimal text).
    pub min_stake: String,
    /// Last moment of the commit window.
    pub assertion_deadline: DateTime<Utc>,
    /// Last moment of the reveal window.
    pub reveal_deadline: DateTime<Utc>,
    /// Listed for everyone.
    pub is_public: bool,
    /// The life-cycle phase's name (`nexus_core::bounty::Phase::as_str`).
    pub status: String,
    /// The contract's id, once confirmed.
    pub chain_bounty_id: Option<i64>,
    /// Commitments seen on chain.
    pub commitment_count: i32,
    /// Reveals seen on chain.
    pub reveal_count: i32,
    /// `benign`, `malicious` or `invalid` once resolved.
    pub outcome: Option<String>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

/// One committed assertion, with its reveal and claim once the chain confirmed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRow {
    /// The analyst's wallet (20 bytes).
    pub analyst: Vec<u8>,
    /// Stake, wei (decimal text).
    pub stake: String,
    /// `benign` or `malicious` once revealed.
    pub verdict: Option<String>,
    /// Whether the payout was claimed.
    pub claimed: bool,
}

/// A bounty to post: checked terms and the digest of the intent that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBounty {
    /// The poster's account id.
    pub creator_id: String,
    /// The wallet that signed (20 bytes).
    pub creator_address: [u8; 20],
    /// `file`, `url` or `contract`.
    pub artifact_kind: &'static str,
    /// The contract's artifactHash.
    pub artifact_hash: [u8; 32],
    /// The URL of a URL artifact.
    pub artifact_url: Option<String>,
    /// The chain id of a contract artifact.
    pub artifact_chain_id: Option<i64>,
    /// The address of a contract artifact.
    pub artifact_address: Option<[u8; 20]>,
    /// Reward, wei.
    pub reward: u128,
    /// Minimum stake, wei.
    pub min_stake: u128,
    /// End of the commit window.
    pub assertion_deadline: DateTime<Utc>,
    /// End of the reveal window (deadline + the governed reveal window).
    pub reveal_deadline: DateTime<Utc>,
    /// Listed for everyone.
    pub is_public: bool,
    /// EIP-712 digest of the signed CreateBounty intent: the idempotency key.
    pub intent_digest: [u8; 32],
}

/// The contract call that creates a bounty on chain (`createBountyBySig` with the signed intent
/// and permit, built by nexus-chain's relay-call builders), queued with the bounty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCall {
    /// The bounty contract.
    pub to: Address,
    /// The ABI-encoded call.
    pub calldata: Bytes,
}

/// Where a page of the list starts: after this row in the chosen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAfter {
    /// Newest first: rows with a smaller id.
    Newest(Uuid),
    /// Highest reward first: rows after (reward, id).
    Reward(u128, Uuid),
    /// Nearest deadline first: rows after (deadline, id).
    Deadline(DateTime<Utc>, Uuid),
}

/// The list's filters (all optional) and page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Phase name.
    pub status: Option<&'static str>,
    /// Artifact kind name.
    pub artifact_kind: Option<&'static str>,
    /// Poster's account id.
    pub creator_id: Option<String>,
    /// The contract's artifactHash.
    pub artifact_hash: Option<[u8; 32]>,
    /// Rows to return.
    pub limit: i64,
}

impl Store {
    /// Posts `new` with status `pending` and queues `call` for the relayer (kind `create_bounty`,
    /// keyed by the intent digest) in the same transaction, so the bounty exists if and only if
    /// its creation is on its way. Idempotent on the intent digest: the same signed intent again
    /// returns the first bounty's id and `false`, and writes nothing.
    #[tracing::instrument(skip_all, fields(creator = %new.creator_id))]
    pub async fn create_bounty(
        &self,
        new: &NewBounty,
        call: CreateCall,
    ) -> Result<(Uuid, bool), BountyError> {
        let mut transaction = self.pool().begin().await.map_err(DbError::from)?;
        let inserted = sqlx::query_scalar!(
            "INSERT INTO bounty.bounties (id, creator_id, creator_address, artifact_kind, \
             artifact_hash, artifact_url, artifact_chain_id, artifact_address, reward, min_stake, \
             assertion_deadline, reveal_deadline, is_public, intent_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::numeric, $10::text::numeric, $11, \
             $12, $13, $14) ON CONFLICT (intent_digest) DO NOTHING RETURNING id",
            Uuid::now_v7(),
            new.creator_id,
            new.creator_address.as_slice(),
            new.artifact_kind,
            new.artifact_hash.as_slice(),
            new.artifact_url,
            new.artifact_chain_id,
            new.artifact_address.as_ref().map(<[u8; 20]>::as_slice),
            new.reward.to_string(),
            new.min_stake.to_string(),
            new.assertion_deadline,
            new.reveal_deadline,
            new.is_public,
            new.intent_digest.as_slice(),
        )
        .fetch_optional(&mut *transaction)
        .await
        .map_err(DbError::from)?;
        let Some(id) = inserted else {
            // The digest exists: a statement of its own sees the committed row.
            drop(transaction);
            let existing = sqlx::query_scalar!(
                "SELECT id FROM bounty.bounties WHERE intent_digest = $1",
                new.intent_digest.as_slice(),
            )
            .fetch_one(self.pool())
            .await
            .map_err(DbError::from)?;
            return Ok((existing, false));
        };
        Store::queue_transaction(
            &mut transaction,
            NewTransaction {
                kind: "create_bounty".to_owned(),
                bounty_id: Some(id),
                to: call.to,
                calldata: call.calldata,
                idempotency_key: B256::from(new.intent_digest),
            },
        )
        .await?;
        transaction.commit().await.map_err(DbError::from)?;
        Ok((id, true))
    }

    /// The assertions committed on bounty `id`, in the order the chain confirmed them.
    pub async fn bounty_assertions(&self, id: Uuid) -> Result<Vec<AssertionRow>, BountyError> {
        let rows = sqlx::query_as!(
            AssertionRow,
            r#"SELECT c.analyst AS "analyst!", c.stake::text AS "stake!", r.verdict AS "verdict?",
                      EXISTS (SELECT 1 FROM bounty.lifecycle_inputs x
                              WHERE x.bounty_id = c.bounty_id AND x.kind = 'claimed'
                                AND x.analyst = c.analyst) AS "claimed!"
               FROM bounty.lifecycle_inputs c
               LEFT JOIN bounty.lifecycle_inputs r
                 ON r.bounty_id = c.bounty_id AND r.kind = 'revealed' AND r.analyst = c.analyst
               WHERE c.bounty_id = $1 AND c.kind = 'committed'
               ORDER BY c.seq"#,
            id,
        )
        .fetch_all(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(rows)
    }

    /// The bounty `id`, if it exists.
    pub async fn bounty(&self, id: Uuid) -> Result<Option<BountyRow>, BountyError> {
        let row = sqlx::query_as!(
            BountyRow,
            r#"SELECT id, creator_id, creator_address, artifact_kind, artifact_hash, artifact_url,
                      artifact_chain_id, artifact_address, reward::text AS "reward!",
                      min_stake::text AS "min_stake!", assertion_deadline, reveal_deadline,
                      is_public, status, chain_bounty_id, commitment_count, reveal_count, outcome,
                      created_at
               FROM bounty.bounties WHERE id = $1"#,
            id,
        )
        .fetch_optional(self.pool())
        .await
        .map_err(DbError::from)?;
        Ok(row)
    }

    /// Up to `filter.limit` bounties matching `filter`, in the order `after` names (or newest
    /// first from the top). Readability is the caller's to decide, row by row.
    pub async fn list_bounties(
        &self,
        filter: &ListFilter,
        sort: nexus_proto::bounty::BountySort,
        after: Option<&ListAfter>,
    ) -> Result<Vec<BountyRow>, BountyError> {
        use nexus_proto::bounty::BountySort;
        let hash = filter.artifact_hash.as_ref().map(<[u8; 32]>::as_slice);
        let rows = match sort {
            BountySort::Newest => {
                let after = match after {
                    Some(ListAfter::Newest(id)) => Some(*id),
                    _ => None,
                };
                sqlx::query_as!(
                    BountyRow,
                    r#"SELECT id, creator_id, creator_address, artifact_kind, artifact_hash,
                              artifact_url, artifact_chain_id, artifact_address,
                              reward::text AS "reward!", min_stake::text AS "min_stake!",
                              assertion_deadline, reveal_deadline, is_public, status,
                              chain_bounty_id, commitment_count, reveal_count, outcome, created_at
                       FROM bounty.bounties
                       WHERE ($1::text IS NULL OR status = $1)
                         AND ($2::text IS NULL OR artifact_kind = $2)
                         AND ($3::text IS NULL OR creator_id = $3)
                         AND ($4::bytea IS NULL OR artifact_hash = $4)
                         AND ($5::uuid IS NULL OR id < $5)
                       ORDER BY id DESC LIMIT $6"#,
                    filter.status,
                    filter.artifact_kind,
                    filter.creator_id,
                    hash,
                    after,
                    filter.limit,
                )
                .fetch_all(self.pool())
                .await
            }
            BountySort::Reward => {
                let (reward, id) = match after {
                    Some(ListAfter::Reward(reward, id)) => (Some(reward.to_string()), Some(*id)),
                    _ => (None, None),
                };
                sqlx::query_as!(
                    BountyRow,
                    r#"SELECT id, creator_id, creator_address, artifact_kind, artifact_hash,
                              artifact_url, artifact_chain_id, artifact_address,
                              reward::text AS "reward!", min_stake::text AS "min_stake!",
                              assertion_deadline, reveal_deadline, is_public, status,
                              chain_bounty_id, commitment_count, reveal_count, outcome, created_at
                       FROM bounty.bounties
                       WHERE ($1::text IS NULL OR status = $1)
                         AND ($2::text IS NULL OR artifact_kind = $2)
                         AND ($3::text IS NULL OR creator_id = $3)
                         AND ($4::bytea IS NULL OR artifact_hash = $4)
                         AND ($5::uuid IS NULL OR (reward, id) < ($6::text::numeric, $5))
                       ORDER BY reward DESC, id DESC LIMIT $7"#,
                    filter.status,
                    filter.artifact_kind,
                    filter.creator_id,
                    hash,
                    id,
                    reward,
                    filter.limit,
                )
                .fetch_all(self.pool())
                .await
            }
            BountySort::Deadline => {
                let (deadline, id) = match after {
                    Some(ListAfter::Deadline(deadline, id)) => (Some(*deadline), Some(*id)),
                    _ => (None, None),
                };
                sqlx::query_as!(
                    BountyRow,
                    r#"SELECT id, creator_id, creator_address, artifact_kind, artifact_hash,
                              artifact_url, artifact_chain_id, artifact_address,
                              reward::text AS "reward!", min_stake::text AS "min_stake!",
                              assertion_deadline, reveal_deadline, is_public, status,
                              chain_bounty_id, commitment_count, reveal_count, outcome, created_at
                       FROM bounty.bounties
                       WHERE ($1::text IS NULL OR status = $1)
                         AND ($2::text IS NULL OR artifact_kind = $2)
                         AND ($3::text IS NULL OR creator_id = $3)
                         AND ($4::bytea IS NULL OR artifact_hash = $4)
                         AND ($5::uuid IS NULL OR (assertion_deadline, id) > ($6::timestamptz, $5))
                       ORDER BY assertion_deadline, id LIMIT $7"#,
                    filter.status,
                    filter.artifact_kind,
                    filter.creator_id,
                    hash,
                    id,
                    deadline,
                    filter.limit,
                )
                .fetch_all(self.pool())
                .await
            }
        };
        Ok(rows.map_err(DbError::from)?)
    }
}
