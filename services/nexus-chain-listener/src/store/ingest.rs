//! One read range in one transaction: its logs (keyed by chain, block hash and log index, so a
//! replay inserts nothing and publishes nothing), the projections they change, the events they
//! become, and the new checkpoint. The transaction commits all of it or none: a listener killed
//! mid-batch re-reads the range from the old checkpoint and publishes each event exactly once.

mod copy;
mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::chain::{
    BountyResolved, ChainEvent, DisputeDecided, ParameterChanged, ParameterValue, Slashed, Verdict,
};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

pub(crate) use self::rows::insert_stakes;
use self::rows::{
    Planned, Renamed, envelope, insert_blocks, insert_logs, planned_event, publish, rename,
};
use super::{Store, big};
use crate::domain::decode::{Decoded, Fact};
use crate::domain::settlement::{self, AssertionState, Terms};

/// A block header as read from the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockHeader {
    /// Number.
    pub number: u64,
    /// Hash (`0x`, lower case).
    pub hash: String,
    /// Parent hash (`None` when the block is known from its logs alone, which carry no parent;
    /// stored for inspection, never read back: the walk back compares hashes).
    pub parent_hash: Option<String>,
    /// Timestamp.
    pub time: DateTime<Utc>,
}

/// An account's stake as the token reported it at the end of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeRead {
    /// The account.
    pub account: String,
    /// The block read at.
    pub block_number: u64,
    /// Staked, wei.
    pub staked: String,
    /// Cooling down, wei.
    pub unstaking: String,
    /// Unix seconds.
    pub unlock_time: u64,
}

/// The settlement terms of a bounty, read from the contract when it was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BountyTerms {
    /// The bounty.
    pub bounty_id: u64,
    /// Fee, basis points.
    pub fee_bps: u16,
    /// No-reveal slash, wei.
    pub no_reveal_slash: u128,
}

/// Everything read for one range.
#[derive(Debug, Clone)]
pub struct Batch {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The block ingestion began at.
    pub start_block: u64,
    /// The range's last block: the new checkpoint.
    pub last: BlockHeader,
    /// Headers of the blocks that held logs.
    pub blocks: Vec<BlockHeader>,
    /// The decoded logs, in chain order.
    pub logs: Vec<Decoded>,
    /// Stakes after the blocks whose logs changed them.
    pub stakes: Vec<StakeRead>,
    /// Terms of the bounties created in the range.
    pub terms: Vec<BountyTerms>,
    /// On the first range only: the parameters in force before it, `(name, value)`.
    pub seed_parameters: Vec<(String, String)>,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Logs stored for the first time.
    pub new_logs: u64,
    /// Events written to the outbox.
    pub events: u64,
}

/// A stored value that broke an invariant of the chain (a settlement that cannot be computed).
fn invalid(message: String) -> DbError {
    DbError::Query(sqlx::Error::Protocol(message))
}

impl Store {
    /// Stores `batch` and its events and moves the checkpoint to its last block, in one
    /// transaction. Rows go in a few multi-row statements (`COPY` for logs and outbox rows,
    /// `UNNEST` of arrays for the others) whatever the number of logs; only logs that need
    /// stored state (bounties, assertions, settlements, parameters) cost statements of their own.
    pub async fn ingest(&self, batch: &Batch) -> Result<Ingested, DbError> {
        let mut connection = self.pool().acquire().await?;
        Self::ingest_on(&mut connection, batch).await
    }

    /// [`Store::ingest`] on `connection` (the follower keeps one while it backfills: a
    /// connection released to the pool is pinged before it is idle again, so a step that
    /// acquired one right after the previous step released its own would open a new one).
    pub async fn ingest_on(
        connection: &mut PgConnection,
        batch: &Batch,
    ) -> Result<Ingested, DbError> {
        let chain = big(batch.chain_id)?;
        // Chosen before the transaction: every log row is inserted complete (see `rows`).
        let planned: Vec<Planned> = batch
            .logs
            .iter()
            .map(|decoded| planned_event(&decoded.fact))
            .collect();
        let mut transaction = connection.begin().await?;
        for (name, value) in &batch.seed_parameters {
            sqlx::query!(
                "INSERT INTO chain.parameters (chain_id, name, block_number, log_index, value)
                 VALUES ($1, $2, $3, -1, $4) ON CONFLICT DO NOTHING",
                chain,
                name,
                big(batch.start_block)?,
                value
            )
            .execute(&mut *transaction)
            .await?;
        }
        insert_blocks(&mut transaction, chain, batch).await?;
        let new = insert_logs(&mut transaction, chain, &batch.logs, &planned).await?;
        let terms: HashMap<u64, BountyTerms> = batch
            .terms
            .iter()
            .map(|terms| (terms.bounty_id, *terms))
            .collect();
        let mut ingested = Ingested::default();
        let mut published = Vec::new();
        let mut renamed = Vec::new();
        for (index, (decoded, planned)) in batch.logs.iter().zip(&planned).enumerate() {
            let position = &decoded.position;
            let log_index = big(position.log_index)?;
            if !new.contains(&position.block_hash, log_index) {
                continue; // stored (and published) by an earlier read of the range
            }
            ingested.new_logs += 1;
            let next = batch.logs.get(index + 1);
            let event = project(&mut transaction, batch, &terms, decoded, next).await?;
            let name = event.as_ref().map(ChainEvent::name);
            let envelope_id = match (*planned, name) {
                (Some((id, planned)), Some(name)) if planned == name => Some(id),
                (None, None) => None,
                (_, name) => {
                    let event = name.map(|name| (Uuid::now_v7(), name));
                    renamed.push(Renamed {
                        block_hash: position.block_hash.clone(),
                        log_index,
                        event,
                    });
                    event.map(|(id, _)| id)
                }
            };
            if let (Some(event), Some(id)) = (event, envelope_id) {
                published.push(envelope(id, event)?);
            }
        }
        ingested.events = published.len() as u64;
        publish(&mut transaction, &published).await?;
        rename(&mut transaction, chain, &renamed).await?;
        insert_stakes(&mut transaction, chain, &batch.stakes).await?;
        sqlx::query!(
            "INSERT INTO chain.checkpoints (chain_id, start_block, block_number, block_hash)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (chain_id) DO UPDATE SET block_number = $3, block_hash = $4,
             updated_at = now()",
            chain,
            big(batch.start_block)?,
            big(batch.last.number)?,
            batch.last.hash
        )
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(ingested)
    }
}

/// Applies one new log to the projections and returns the event it becomes, if any.
async fn project(
    transaction: &mut PgConnection,
    batch: &Batch,
    terms: &HashMap<u64, BountyTerms>,
    decoded: &Decoded,
    next: Option<&Decoded>,
) -> Result<Option<ChainEvent>, DbError> {
    let chain = big(batch.chain_id)?;
    let position = &decoded.position;
    let block = big(position.block_number)?;
    let event = match &decoded.fact {
        Fact::Event(event) => {
            match event.as_ref() {
                ChainEvent::BountyOpened(opened) => {
                    let terms = terms.get(&opened.bounty_id).ok_or_else(|| {
                        invalid(format!("no terms read for bounty {}", opened.bounty_id))
                    })?;
                    sqlx::query!(
                        "INSERT INTO chain.bounties (chain_id, bounty_id, block_number, creator,
                         reward, fee_bps, no_reveal_slash)
                         VALUES ($1, $2, $3, $4, $5::text::numeric, $6, $7::text::numeric)
                         ON CONFLICT DO NOTHING",
                        chain,
                        big(opened.bounty_id)?,
                        block,
                        opened.creator,
                        opened.reward,
                        i32::from(terms.fee_bps),
                        terms.no_reveal_slash.to_string()
                    )
                    .execute(&mut *transaction)
                    .await?;
                }
                ChainEvent::AssertionCommitted(committed) => {
                    sqlx::query!(
                        "INSERT INTO chain.assertions (chain_id, bounty_id, analyst, block_number,
                         log_index, stake) VALUES ($1, $2, $3, $4, $5, $6::text::numeric)
                         ON CONFLICT DO NOTHING",
                        chain,
                        big(committed.bounty_id)?,
                        committed.analyst,
                        block,
                        big(position.log_index)?,
                        committed.stake
                    )
                    .execute(&mut *transaction)
                    .await?;
                }
                ChainEvent::AssertionRevealed(revealed) => {
                    sqlx::query!(
                        "UPDATE chain.assertions SET verdict = $4, revealed_block = $5
                         WHERE chain_id = $1 AND bounty_id = $2 AND analyst = $3",
                        chain,
                        big(revealed.bounty_id)?,
                        revealed.analyst,
                        verdict_name(revealed.verdict),
                        block
                    )
                    .execute(&mut *transaction)
                    .await?;
                }
                _ => {}
            }
            Some(event.as_ref().clone())
        }
        Fact::Resolved {
            bounty_id,
            outcome,
            benign_stake,
            malicious_stake,
            revealed_count,
            dispute_deadline,
        } => {
            let settlement = settle(transaction, chain, *bounty_id, *outcome).await?;
            Some(ChainEvent::BountyResolved(BountyResolved {
                log: position.clone(),
                bounty_id: *bounty_id,
                outcome: *outcome,
                benign_stake: benign_stake.clone(),
                malicious_stake: malicious_stake.clone(),
                revealed_count: *revealed_count,
                dispute_deadline: *dispute_deadline,
                settlement,
            }))
        }
        Fact::Decided {
            bounty_id,
            arbiter,
            ruling,
            outcome,
        } => {
            let settlement = settle(transaction, chain, *bounty_id, *outcome).await?;
            Some(ChainEvent::DisputeDecided(DisputeDecided {
                log: position.clone(),
                bounty_id: *bounty_id,
                arbiter: arbiter.clone(),
                ruling: *ruling,
                outcome: *outcome,
                settlement,
            }))
        }
        Fact::Slashed {
            account,
            slasher,
            recipient,
            amount,
        } => {
            // The bounty contract's slashUnrevealed emits the token's Slashed, then its own
            // UnrevealedSlashed naming the bounty, in the same transaction.
            let bounty_id = next.and_then(|next| match &next.fact {
                Fact::UnrevealedSlashed { bounty_id, analyst }
                    if analyst == account
                        && next.position.transaction_hash == position.transaction_hash =>
                {
                    Some(*bounty_id)
                }
                _ => None,
            });
            Some(ChainEvent::Slashed(Slashed {
                log: position.clone(),
                account: account.clone(),
                slasher: slasher.clone(),
                recipient: recipient.clone(),
                amount: amount.clone(),
                bounty_id,
            }))
        }
        Fact::UnrevealedSlashed { .. } => None,
        Fact::ProposalCreated(created) => {
            super::proposals::insert_proposal(transaction, chain, position, created).await?;
            None
        }
        Fact::ProposalVoted(vote) => {
            super::proposals::insert_vote(transaction, chain, position, vote).await?;
            None
        }
        Fact::ProposalChanged {
            proposal_id,
            change,
        } => {
            super::proposals::insert_change(transaction, chain, position, proposal_id, *change)
                .await?;
            None
        }
        Fact::Parameters(values) => {
            let mut changed = Vec::new();
            for (name, value) in values {
                let previous = sqlx::query_scalar!(
                    "SELECT value FROM chain.parameters WHERE chain_id = $1 AND name = $2
                     ORDER BY block_number DESC, log_index DESC LIMIT 1",
                    chain,
                    name
                )
                .fetch_optional(&mut *transaction)
                .await?;
                sqlx::query!(
                    "INSERT INTO chain.parameters (chain_id, name, block_number, log_index, value)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    chain,
                    name,
                    block,
                    big(position.log_index)?,
                    value
                )
                .execute(&mut *transaction)
                .await?;
                if previous.as_deref() != Some(value.as_str()) {
                    changed.push(ParameterValue {
                        name: name.clone(),
                        value: value.clone(),
                        previous,
                    });
                }
            }
            (!changed.is_empty()).then(|| {
                ChainEvent::ParameterChanged(ParameterChanged {
                    log: position.clone(),
                    parameters: changed,
                })
            })
        }
    };
    Ok(event)
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Benign => "benign",
        Verdict::Malicious => "malicious",
    }
}

/// The settlement of a bounty from its stored terms and assertions.
async fn settle(
    transaction: &mut PgConnection,
    chain: i64,
    bounty_id: u64,
    outcome: nexus_proto::chain::Outcome,
) -> Result<nexus_proto::chain::SettlementView, DbError> {
    let bounty = sqlx::query!(
        r#"SELECT reward::text AS "reward!", fee_bps, no_reveal_slash::text AS "no_reveal_slash!"
           FROM chain.bounties WHERE chain_id = $1 AND bounty_id = $2"#,
        chain,
        big(bounty_id)?
    )
    .fetch_optional(&mut *transaction)
    .await?
    .ok_or_else(|| invalid(format!("bounty {bounty_id} resolved but never opened")))?;
    let assertions = sqlx::query!(
        r#"SELECT analyst, stake::text AS "stake!", verdict FROM chain.assertions
           WHERE chain_id = $1 AND bounty_id = $2 ORDER BY block_number, log_index"#,
        chain,
        big(bounty_id)?
    )
    .fetch_all(&mut *transaction)
    .await?;
    let amount = |text: &str| {
        text.parse::<u128>()
            .map_err(|_| invalid(format!("stored amount {text} is not a u128")))
    };
    let terms = Terms {
        reward: amount(&bounty.reward)?,
        fee_bps: u16::try_from(bounty.fee_bps).unwrap_or(u16::MAX),
        no_reveal_slash: amount(&bounty.no_reveal_slash)?,
    };
    let mut states = Vec::with_capacity(assertions.len());
    for row in assertions {
        states.push(AssertionState {
            analyst: row.analyst,
            stake: amount(&row.stake)?,
            revealed: match row.verdict.as_deref() {
                Some("benign") => Some(Verdict::Benign),
                Some("malicious") => Some(Verdict::Malicious),
                _ => None,
            },
        });
    }
    settlement::settle(terms, &states, outcome)
        .map_err(|error| invalid(format!("settlement of bounty {bounty_id}: {error}")))
}
