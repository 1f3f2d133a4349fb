//! The chain follower: one step ([`Follower::step`]) reads the next confirmed range, or follows
//! a reorganisation; the worker in [`crate::workers`] repeats it. What it knows about the chain
//! (head, confirmed height, lag, halt) is kept in [`FollowerState`] for `/v1/chain/status` and
//! `/ready`.
//!
//! One step:
//! 1. connects (the deployments file, the node's chain id must match it) if not yet connected;
//! 2. polls the head; the confirmed height is the head minus the confirmation depth;
//! 3. compares the checkpoint's hash with the node's block at that number: a difference is a
//!    reorganisation reaching stored blocks, followed by the walk back
//!    ([`crate::domain::follow`]) and one rollback transaction (with `ChainEventsRetracted`), or,
//!    beyond `max_reorg_depth`, a halt that changes nothing stored;
//! 4. reads the next range up to the confirmed height: the last block's header (in one batch
//!    with the head's and the checkpoint's), the logs (meanwhile), the blocks holding logs (from
//!    the logs themselves when the node puts the block time on them, else their headers; each
//!    log's block hash must match its block's, else the chain moved under the read and the step
//!    is retried), the contract reads that complete the logs, all pinned to block hashes;
//! 5. stores it all in one transaction ([`Store::ingest_on`]), which moves the checkpoint, while
//!    the range after it is read for the next step (used only if it still follows the committed
//!    checkpoint and its last block is still the node's; writes stay one range a step, in
//!    order). While backfilling, the step keeps its database connection for the next one.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use nexus_chain::deploy::Deployment;
use nexus_proto::chain::{BlockRef, ChainEvent};
use sqlx::Postgres;
use sqlx::pool::PoolConnection;

use crate::domain::decode::{self, Decoded, Fact};
use crate::domain::follow::{Ancestry, common_ancestor, confirmed_height};
use crate::domain::range::RangePlanner;
use crate::metrics::ChainListenerMetrics;
use crate::rpc::{ChainReader, RpcError};
use crate::settings::ChainListenerSettings;
use crate::store::Store;
use crate::store::ingest::{Batch, BlockHeader};

/// What the follower knows, for the status endpoint and readiness.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowerState {
    /// Chain id, once connected.
    pub chain_id: Option<u64>,
    /// The node's head at the last poll.
    pub head: Option<u64>,
    /// The head block's time.
    pub head_time: Option<DateTime<Utc>>,
    /// The highest block read (the checkpoint).
    pub read_to: Option<u64>,
    /// That block's time.
    pub read_time: Option<DateTime<Utc>>,
    /// When the head was last polled successfully.
    pub polled_at: Option<DateTime<Utc>>,
    /// The last step's failure, cleared by a successful step.
    pub failing: Option<String>,
    /// Why ingestion stopped, if it did (a reorganisation beyond the maximum depth).
    pub halted: Option<String>,
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Read or rolled back something; step again at once.
    Progressed,
    /// Nothing to read until the head moves.
    CaughtUp,
    /// Ingestion is stopped.
    Halted,
}

/// Why a step failed (retried with backoff).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The node failed.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The deployments file could not be read or does not match the node.
    #[error("{0}")]
    Deployment(String),
    /// A log could not be decoded.
    #[error(transparent)]
    Decode(#[from] decode::DecodeError),
    /// PostgreSQL failed.
    #[error(transparent)]
    Db(#[from] nexus_db::DbError),
}

/// The follower of one chain.
#[derive(Debug)]
pub struct Follower {
    settings: ChainListenerSettings,
    reader: RwLock<Option<ChainReader>>,
    planner: Mutex<RangePlanner>,
    state: RwLock<FollowerState>,
    /// The range read while the previous one was written (see [`Follower::step`]).
    prefetched: Mutex<Option<Prefetched>>,
    /// The database connection kept from one step to the next while backfilling (see
    /// [`Store::ingest_on`]); back in the pool once caught up or after a failure.
    connection: Mutex<Option<PoolConnection<Postgres>>>,
}

/// A range read ahead, with the first block of it (it follows the checkpoint `from - 1`).
#[derive(Debug)]
struct Prefetched {
    from: u64,
    batch: Batch,
}

impl Follower {
    /// A follower that connects on its first step.
    pub fn new(settings: &ChainListenerSettings) -> Self {
        Self {
            settings: settings.clone(),
            reader: RwLock::new(None),
            planner: Mutex::new(RangePlanner::new(settings.max_block_range)),
            state: RwLock::new(FollowerState::default()),
            prefetched: Mutex::new(None),
            connection: Mutex::new(None),
        }
    }

    /// A copy of what the follower knows.
    pub fn state(&self) -> FollowerState {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut FollowerState)) {
        change(&mut self.state.write().unwrap_or_else(PoisonError::into_inner));
    }

    /// The reader, once connected.
    pub fn reader(&self) -> Option<ChainReader> {
        self.reader
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records a failed step (for `/ready` and the status).
    pub fn failed(&self, error: &StepError) {
        let message = error.to_string();
        self.update(|state| state.failing = Some(message));
    }

    async fn connect(&self) -> Result<ChainReader, StepError> {
        if let Some(reader) = self.reader() {
            return Ok(reader);
        }
        let chain = &self.settings.chain;
        let deployment = Deployment::read(&chain.deployment_file).map_err(|error| {
            StepError::Deployment(format!(
                "the deployments file {} is unreadable: {error}",
                chain.deployment_file.display()
            ))
        })?;
        if chain.chain_id.is_some_and(|id| id != deployment.chain_id) {
            return Err(StepError::Deployment(format!(
                "the deployments file is for chain {}, the settings expect {:?}",
                deployment.chain_id, chain.chain_id
            )));
        }
        let provider = nexus_chain::connect(chain.expose_rpc_url(), None)
            .map_err(|error| StepError::Deployment(error.to_string()))?;
        let reader = ChainReader::new(provider, &deployment, chain.request_timeout);
        let at_node = reader.chain_id_at_node().await?;
        if at_node != deployment.chain_id {
            return Err(StepError::Deployment(format!(
                "the node serves chain {at_node}, the deployments file chain {}",
                deployment.chain_id
            )));
        }
        *self.reader.write().unwrap_or_else(PoisonError::into_inner) = Some(reader.clone());
        self.update(|state| state.chain_id = Some(deployment.chain_id));
        Ok(reader)
    }

    /// Gives back what a backfill keeps between steps: the database connection (to the pool,
    /// which a shutdown closes and would otherwise wait for) and the range read ahead. The
    /// worker calls it when it stops.
    pub fn release(&self) {
        drop(self.take_connection());
        drop(self.take_prefetched());
    }

    fn take_connection(&self) -> Option<PoolConnection<Postgres>> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn keep_connection(&self, connection: PoolConnection<Postgres>) {
        *self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(connection);
    }

    fn take_prefetched(&self) -> Option<Prefetched> {
        self.prefetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// One step (see the module docs).
    pub async fn step(
        &self,
        store: &Store,
        metrics: &ChainListenerMetrics,
    ) -> Result<Step, StepError> {
        if self.state().halted.is_some() {
            return Ok(Step::Halted);
        }
        let reader = self.connect().await?;
        let chain_id = reader.chain_id;
        // While backfilling, the step before kept its connection for this one.
        let mut connection = match self.take_connection() {
            Some(connection) => connection,
            None => store
                .pool()
                .acquire()
                .await
                .map_err(nexus_db::DbError::from)?,
        };
        let (head, checkpoint) = tokio::join!(
            reader.head(),
            Store::checkpoint_on(&mut connection, chain_id)
        );
        let (head, checkpoint) = (head?, checkpoint?);
        let confirmed = confirmed_height(head, self.settings.chain.confirmations);
        let start_block = checkpoint
            .as_ref()
            .map_or(reader.deployment_block, |checkpoint| checkpoint.start_block);
        let from = checkpoint
            .as_ref()
            .map_or(start_block, |checkpoint| checkpoint.block.number + 1);
        // The range the previous step read ahead, if it still follows the checkpoint.
        let prefetched = self.take_prefetched().filter(|prefetched| {
            prefetched.from == from
                && prefetched.batch.start_block == start_block
                && confirmed.is_some_and(|confirmed| prefetched.batch.last.number <= confirmed)
        });
        let range = match &prefetched {
            Some(prefetched) => Some(prefetched.from..=prefetched.batch.last.number),
            None => confirmed.and_then(|confirmed| {
                self.planner
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .next(from, confirmed)
            }),
        };
        // One batch of headers: the head (for its time), the checkpoint's block (is it still
        // the node's?) and the range's last block; the range's logs are read meanwhile (used
        // only if the checkpoint is still the node's).
        let mut numbers = vec![head];
        numbers.extend(
            checkpoint
                .as_ref()
                .map(|checkpoint| checkpoint.block.number),
        );
        numbers.extend(range.as_ref().map(|range| *range.end()));
        let read_logs = range
            .as_ref()
            .filter(|_| prefetched.is_none())
            .map(|range| (*range.start(), *range.end()));
        let (headers, logs) = tokio::join!(reader.headers(&numbers), async {
            match read_logs {
                Some((from, to)) => Some(reader.logs(from, to).await),
                None => None,
            }
        });
        let mut headers = headers?.into_iter();
        let head_time = headers.next().flatten().map(|header| header.time);
        self.update(|state| {
            state.head = Some(head);
            state.head_time = head_time;
            state.polled_at = Some(Utc::now());
            state.failing = None;
        });
        let Some(confirmed) = confirmed else {
            return Ok(Step::CaughtUp);
        };
        if let Some(checkpoint) = &checkpoint {
            // After a restart the position comes from the checkpoint, not from this process.
            let number = checkpoint.block.number;
            self.update(|state| {
                if state.read_to.is_none() {
                    state.read_to = Some(number);
                }
            });
            let at_node = headers.next().flatten();
            if at_node.map(|header| header.hash).as_deref() != Some(checkpoint.block.hash.as_str())
            {
                return self
                    .follow_reorg(
                        store,
                        metrics,
                        &reader,
                        checkpoint.start_block,
                        &checkpoint.block,
                    )
                    .await;
            }
        }
        let Some(range) = range else {
            self.observe_lag(metrics);
            return Ok(Step::CaughtUp);
        };
        let (from, to) = (*range.start(), *range.end());
        let Some(last) = headers.next().flatten() else {
            return Ok(Step::CaughtUp); // the node's chain got shorter; the next step looks again
        };
        let batch = match prefetched {
            // Read ahead by the previous step; its last block is still the node's, and so,
            // hashes chaining, is every block below it.
            Some(prefetched) if prefetched.batch.last.hash == last.hash => prefetched.batch,
            _ => {
                let logs = match logs {
                    Some(logs) => logs,
                    None => reader.logs(from, to).await,
                };
                let logs = match logs {
                    Ok(logs) => logs,
                    Err(RpcError::RangeTooLarge(message)) => {
                        let shrunk = self
                            .planner
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .refused();
                        if shrunk {
                            return Ok(Step::Progressed);
                        }
                        return Err(RpcError::Failed(message).into());
                    }
                    Err(error) => return Err(error.into()),
                };
                match self
                    .read_batch(&reader, start_block, last, checkpoint.is_none(), &logs)
                    .await?
                {
                    Some(batch) => batch,
                    None => return Ok(Step::Progressed), // the chain moved under the read
                }
            }
        };
        // The next range is read while this one is written: a backfill takes the longer of
        // reading and writing, not their sum. Writes stay in order, one range a step: the next
        // step writes the range read ahead only if it follows the checkpoint this one commits
        // and its last block is still the node's.
        let (ingested, ahead) = tokio::join!(
            Store::ingest_on(&mut connection, &batch),
            self.read_ahead(&reader, start_block, to, confirmed)
        );
        let ingested = ingested?;
        *self
            .prefetched
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = ahead;
        metrics.logs(ingested.new_logs, ingested.events);
        metrics.blocks(to - from + 1);
        self.planner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .succeeded();
        let read_time = batch.last.time;
        self.update(|state| {
            state.read_to = Some(to);
            state.read_time = Some(read_time);
        });
        self.observe_lag(metrics);
        if to < confirmed {
            self.keep_connection(connection);
            Ok(Step::Progressed)
        } else {
            Ok(Step::CaughtUp) // the connection goes back to the pool
        }
    }

    /// Reads the range after block `to` (up to `confirmed`) for the next step; `None` when
    /// there is none or the read failed (the next step reads it again and reports the failure).
    async fn read_ahead(
        &self,
        reader: &ChainReader,
        start_block: u64,
        to: u64,
        confirmed: u64,
    ) -> Option<Prefetched> {
        if to >= confirmed {
            return None;
        }
        let from = to + 1;
        let range = self
            .planner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next(from, confirmed)?;
        let end = *range.end();
        let (last, logs) = tokio::join!(reader.header(end), reader.logs(from, end));
        let logs = match logs {
            Ok(logs) => logs,
            Err(RpcError::RangeTooLarge(_)) => {
                // As the step itself would: the next step asks for a smaller range.
                let _shrunk = self
                    .planner
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .refused();
                return None;
            }
            Err(error) => {
                tracing::debug!(%error, from, "reading ahead failed");
                return None;
            }
        };
        let last = last.ok().flatten()?;
        match self
            .read_batch(reader, start_block, last, false, &logs)
            .await
        {
            Ok(Some(batch)) => Some(Prefetched { from, batch }),
            Ok(None) => None,
            Err(error) => {
                tracing::debug!(%error, from, "reading ahead failed");
                None
            }
        }
    }

    fn observe_lag(&self, metrics: &ChainListenerMetrics) {
        let state = self.state();
        if let (Some(head), Some(read_to)) = (state.head, state.read_to) {
            let seconds = match (state.head_time, state.read_time) {
                (Some(head_time), Some(read_time)) => (head_time - read_time).num_seconds(),
                _ => 0,
            };
            metrics.lag(head.saturating_sub(read_to), seconds.max(0));
        }
    }

    /// Decodes `logs` and reads what completes them. `None` when a log's block is no longer the
    /// node's block at that number (the chain moved under the read).
    async fn read_batch(
        &self,
        reader: &ChainReader,
        start_block: u64,
        last: BlockHeader,
        first: bool,
        logs: &[alloy::rpc::types::Log],
    ) -> Result<Option<Batch>, StepError> {
        let Some(headers) = log_blocks(reader, &last, logs).await? else {
            return Ok(None); // the chain moved under the read
        };
        let mut decoded: Vec<Decoded> = Vec::with_capacity(logs.len());
        for log in logs {
            let header = log
                .block_number
                .and_then(|number| headers.get(&number))
                .ok_or(decode::DecodeError::Incomplete("block number"))?;
            let log_hash = log.block_hash.map(decode::word_hex);
            if log_hash.as_deref() != Some(header.hash.as_str()) {
                return Ok(None);
            }
            let time = u64::try_from(header.time.timestamp()).unwrap_or_default();
            if let Some(entry) = decode::decode(log, &reader.contracts, reader.chain_id, time)? {
                decoded.push(entry);
            }
        }
        // One stake read per account and range, at the last block of the range that changed it:
        // the projection is read at its latest row, and a rollback into the range re-reads the
        // accounts it touches at the common ancestor (`Follower::follow_reorg`).
        let mut stake_reads: BTreeMap<String, (u64, String)> = BTreeMap::new();
        let mut terms = Vec::new();
        for entry in &decoded {
            let account = match &entry.fact {
                Fact::Event(event) => match event.as_ref() {
                    ChainEvent::Staked(event) => Some(&event.account),
                    ChainEvent::UnstakeRequested(event) => Some(&event.account),
                    ChainEvent::UnstakeWithdrawn(event) => Some(&event.account),
                    ChainEvent::BountyOpened(opened) => {
                        terms.push(
                            reader
                                .terms_at(opened.bounty_id, &entry.position.block_hash)
                                .await?,
                        );
                        None
                    }
                    _ => None,
                },
                Fact::Slashed { account, .. } => Some(account),
                _ => None,
            };
            if let Some(account) = account {
                stake_reads.insert(
                    account.clone(),
                    (
                        entry.position.block_number,
                        entry.position.block_hash.clone(),
                    ),
                );
            }
        }
        let stake_reads: Vec<(String, u64, String)> = stake_reads
            .into_iter()
            .map(|(account, (number, hash))| (account, number, hash))
            .collect();
        let stakes = reader.stakes_at(&stake_reads).await?;
        let seed_parameters = if first {
            reader.parameters_at(start_block).await?
        } else {
            Vec::new()
        };
        let blocks = headers
            .into_values()
            .filter(|header| header.number != last.number)
            .collect();
        Ok(Some(Batch {
            chain_id: reader.chain_id,
            start_block,
            last,
            blocks,
            logs: decoded,
            stakes,
            terms,
            seed_parameters,
        }))
    }

    async fn follow_reorg(
        &self,
        store: &Store,
        metrics: &ChainListenerMetrics,
        reader: &ChainReader,
        start_block: u64,
        tip: &BlockRef,
    ) -> Result<Step, StepError> {
        let max_depth = self.settings.max_reorg_depth;
        let stored = store
            .blocks_down_from(reader.chain_id, tip.number.saturating_sub(max_depth))
            .await?;
        let numbers: Vec<u64> = stored.iter().map(|block| block.number).collect();
        let canonical: Vec<Option<String>> = reader
            .headers(&numbers)
            .await?
            .into_iter()
            .map(|header| header.map(|header| header.hash))
            .collect();
        match common_ancestor(&stored, &canonical, start_block, max_depth) {
            Ancestry::TooDeep { depth } => {
                let reason = format!(
                    "a reorganisation deeper than {max_depth} blocks (at least {depth}) replaced \
                     block {} ({}); ingestion stopped, nothing stored was changed: check the node, \
                     then raise chain_listener.max_reorg_depth or rebuild schema chain",
                    tip.number, tip.hash
                );
                tracing::error!(%reason, "chain listener halted");
                metrics.halted(true);
                self.update(|state| state.halted = Some(reason));
                Ok(Step::Halted)
            }
            Ancestry::Found {
                ancestor,
                depth,
                orphaned,
            } => {
                // A range keeps one stake row per account (its last change in the range), so
                // the accounts whose rows go are read again at the ancestor.
                let restored = match &ancestor {
                    Some(block) => {
                        let reads: Vec<(String, u64, String)> = store
                            .stake_accounts_above(reader.chain_id, block.number)
                            .await?
                            .into_iter()
                            .map(|account| (account, block.number, block.hash.clone()))
                            .collect();
                        reader.stakes_at(&reads).await?
                    }
                    None => Vec::new(),
                };
                let rollback = store
                    .roll_back(
                        reader.chain_id,
                        ancestor.as_ref(),
                        &orphaned,
                        depth,
                        &restored,
                    )
                    .await?;
                tracing::warn!(
                    depth,
                    ancestor = ?ancestor,
                    retracted = rollback.retracted.len(),
                    "followed a chain reorganisation"
                );
                metrics.reorg(depth);
                self.update(|state| {
                    state.read_to = ancestor.as_ref().map(|block| block.number);
                });
                Ok(Step::Progressed)
            }
        }
    }
}

/// The blocks holding `logs`, and the range's `last` block, by number; `None` when the logs and
/// the headers disagree (the chain moved under the read).
///
/// A node that puts its block's time on every log (anvil, geth since 1.16, reth) names each
/// log's block completely (number, hash, time) in the `eth_getLogs` answer itself, so no header
/// is read: two logs of one block must name the same hash, and a log of the last block its hash.
/// Otherwise the headers of the blocks holding logs are read, all in one batch, and every log's
/// block hash must equal its header's. Either way the stored blocks are what the walk back of a
/// reorganisation compares with the node.
async fn log_blocks(
    reader: &ChainReader,
    last: &BlockHeader,
    logs: &[alloy::rpc::types::Log],
) -> Result<Option<BTreeMap<u64, BlockHeader>>, StepError> {
    let mut blocks: BTreeMap<u64, BlockHeader> = BTreeMap::new();
    blocks.insert(last.number, last.clone());
    if logs.iter().all(|log| log.block_timestamp.is_some()) {
        for log in logs {
            let (Some(number), Some(hash), Some(time)) =
                (log.block_number, log.block_hash, log.block_timestamp)
            else {
                return Err(decode::DecodeError::Incomplete("block number or hash").into());
            };
            let hash = decode::word_hex(hash);
            match blocks.get(&number) {
                Some(known) if known.hash != hash => return Ok(None),
                Some(_) => {}
                None => {
                    let time = i64::try_from(time)
                        .ok()
                        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                        .ok_or_else(|| {
                            RpcError::Invalid(format!("block {number} has an impossible time"))
                        })?;
                    blocks.insert(
                        number,
                        BlockHeader {
                            number,
                            hash,
                            parent_hash: None,
                            time,
                        },
                    );
                }
            }
        }
        return Ok(Some(blocks));
    }
    let mut numbers = Vec::new();
    for log in logs {
        let Some(number) = log.block_number else {
            return Err(decode::DecodeError::Incomplete("block number").into());
        };
        if number != last.number && numbers.last() != Some(&number) {
            numbers.push(number);
        }
    }
    for (number, header) in numbers.iter().zip(reader.headers(&numbers).await?) {
        let Some(header) = header else {
            return Ok(None); // the chain got shorter under the read
        };
        blocks.insert(*number, header);
    }
    // Each log's hash is compared with its block's by the caller.
    Ok(Some(blocks))
}
