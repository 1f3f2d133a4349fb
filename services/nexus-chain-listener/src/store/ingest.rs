//! One read range in one transaction: its logs (keyed by chain, block hash and log index, so a
//! replay inserts nothing and publishes nothing), the projections they change, the events they
//! become, and the new checkpoint. The transaction commits all of it or none: a listener killed
//! mid-batch re-reads the range from the old checkpoint and publishes each event exactly once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::Envelope;
use nexus_proto::chain::{
    BountyResolved, ChainEvent, DisputeDecided, LogPosition, ParameterChanged, ParameterValue,
    Slashed, Verdict,
};
use sqlx::PgConnection;

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
    /// Parent hash.
    pub parent_hash: String,
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
    /// transaction.
    pub async fn ingest(&self, batch: &Batch) -> Result<Ingested, DbError> {
        let chain = big(batch.chain_id)?;
        let mut transaction = self.pool().begin().await?;
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
        for header in batch.blocks.iter().chain(std::iter::once(&batch.last)) {
            sqlx::query!(
                "INSERT INTO chain.blocks (chain_id, number, hash, parent_hash, block_time)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (chain_id, number) DO NOTHING",
                chain,
                big(header.number)?,
                header.hash,
                header.parent_hash,
                header.time
            )
            .execute(&mut *transaction)
            .await?;
        }
        let terms: HashMap<u64, BountyTerms> = batch
            .terms
            .iter()
            .map(|terms| (terms.bounty_id, *terms))
            .collect();
        let mut ingested = Ingested::default();
        for (index, decoded) in batch.logs.iter().enumerate() {
            let position = &decoded.position;
            let inserted = sqlx::query_scalar!(
                "INSERT INTO chain.logs (chain_id, block_hash, log_index, block_number,
                 transaction_hash, contract) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT DO NOTHING RETURNING 1 AS one",
                chain,
                position.block_hash,
                big(position.log_index)?,
                big(position.block_number)?,
                position.transaction_hash,
                position.contract
            )
            .fetch_optional(&mut *transaction)
            .await?;
            if inserted.is_none() {
                continue; // stored (and published) by an earlier read of the range
            }
            ingested.new_logs += 1;
            let next = batch.logs.get(index + 1);
            let event = project(&mut transaction, batch, &terms, decoded, next).await?;
            if let Some(event) = event {
                publish(self, &mut transaction, position, event).await?;
                ingested.events += 1;
            }
        }
        for stake in &batch.stakes {
            sqlx::query!(
                "INSERT INTO chain.stakes (chain_id, account, block_number, log_index, staked,
                 unstaking, unlock_time) VALUES ($1, $2, $3, 0, $4::text::numeric,
                 $5::text::numeric, $6) ON CONFLICT DO NOTHING",
                chain,
                stake.account,
                big(stake.block_number)?,
                stake.staked,
                stake.unstaking,
                big(stake.unlock_time)?
            )
            .execute(&mut *transaction)
            .await?;
        }
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

/// Writes `event` to the outbox and names its envelope on the log row.
async fn publish(
    store: &Store,
    transaction: &mut PgConnection,
    position: &LogPosition,
    event: ChainEvent,
) -> Result<(), DbError> {
    let name = event.name();
    let envelope_id = {
        macro_rules! enqueue {
            ($($variant:ident),+) => {
                match event {
                    $(ChainEvent::$variant(payload) => {
                        let envelope = Envelope::new(payload);
                        store.outbox().enqueue(&mut *transaction, &envelope).await?;
                        (envelope.id, serde_json::to_value(&envelope.payload)
                            .map_err(|error| DbError::Query(sqlx::Error::Encode(Box::new(error))))?)
                    })+
                }
            };
        }
        enqueue!(
            BountyOpened,
            AssertionCommitted,
            AssertionRevealed,
            BountyResolved,
            RewardClaimed,
            BountyRefunded,
            DisputeOpened,
            DisputeDecided,
            Staked,
            UnstakeRequested,
            Slashed,
            ParameterChanged,
            ChainEventsRetracted
        )
    };
    let (envelope_id, payload) = envelope_id;
    sqlx::query!(
        "UPDATE chain.logs SET event_name = $4, envelope_id = $5, payload = $6
         WHERE chain_id = $1 AND block_hash = $2 AND log_index = $3",
        big(position.chain_id)?,
        position.block_hash,
        big(position.log_index)?,
        name,
        envelope_id,
        payload
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
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
        Fact::UnrevealedSlashed { .. } | Fact::StakeWithdrawn { .. } => None,
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
