//! The relayer: sends the transactions the bounty service queued (signed user intents wrapped
//! in calls to the contracts), paying the gas with the platform's relayer key; it never holds a
//! user's key.
//!
//! Layout:
//! - [`job`]: what is queued ([`NewTransaction`], queued with
//!   [`Store::queue_transaction`](crate::store::Store::queue_transaction) on the caller's
//!   database transaction), its states and the retry schedule. The queue's SQL is
//!   `store/transactions.rs`.
//! - [`fees`]: EIP-1559 fees from the node's fee history, capped, and bumped for replacements.
//! - [`chain`]: the node behind a time limit and nexus-client's circuit breaker.
//! - `sender`: the loop of one relayer key (its lease, nonce recovery, new jobs), and
//!   `sender/in_flight.rs`: what it follows of the jobs it sent (receipts, replacements).
//! - [`settings`]: the `bounty.relayer` table.
//!
//! A job goes `queued → sending → sent → confirmed | failed`:
//! - **One sender per key.** A sender sends only while it holds a PostgreSQL session-level
//!   advisory lock on its key's address, on a connection of its own; every write it makes goes
//!   through that connection. Chosen over a Redis lease because the queue is in PostgreSQL
//!   already: the lock lives exactly as long as the session (a killed process releases it when
//!   its socket closes, with no lease time to tune and no clock involved), and since a sender
//!   broadcasts only what it first recorded on that very session, a sender that lost its lock
//!   cannot write and so cannot send: the lock fences itself, with no token to check.
//! - **Nonces.** Recovered at each lease from the chain's pending count and the queue's highest
//!   recorded nonce; then assigned in queue order, one per job. A job's nonce changes only when
//!   none of its transactions can ever be mined (the node refused its first broadcast, or the
//!   nonce was used by a transaction the relayer never signed).
//! - **Record, then broadcast.** The signed transaction (hash and bytes) is written before it
//!   is broadcast. A sender killed in between leaves a `sending` job: the next one first checks
//!   the chain (a receipt for any of the job's hashes, or the key's mined nonce past the job's)
//!   and only then broadcasts the same bytes again, which a node that has them already ignores.
//!   So nothing is lost and nothing is sent twice.
//! - **Fees and gas.** The node's estimate plus a margin; the median recent tip and twice the
//!   base fee, under the caps. A transaction without receipt after `stuck_timeout` is replaced:
//!   same nonce, both fees raised by `replacement_bump_percent` (never past the caps).
//! - **Failures.** A call that reverts in estimation, or a transaction the node refuses, uses one
//!   of `max_attempts` tries, with exponential backoff; then the job is `failed` with the reason
//!   in `last_error`, as is a transaction mined but reverted. An unreachable node uses no try:
//!   the circuit breaker opens, the jobs stay `queued` and go out when the node answers again.
//!
//! Registering it (the one line in `workers.rs`; `service.settings.chain` is the service's
//! `[bounty.chain]`):
//!
//! ```ignore
//! workers.add("relayer", move |token| relayer::run(service.store.clone(), service.settings.relayer.clone(), service.settings.chain.clone(), token));
//! ```

pub mod chain;
pub mod fees;
pub mod job;
mod sender;
pub mod settings;

pub use job::{NewTransaction, TransactionId, TransactionStatus, TransactionView};
pub use settings::RelayerSettings;

use nexus_chain::settings::ChainSettings;
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Runs the relayer until `shutdown`: one sender for the key in `settings`, talking to the node
/// of `chain` (its RPC URL, request timeout and, when set, expected chain id). Without a key it
/// sends nothing and only waits for shutdown (the jobs stay queued for an instance that has
/// one), so the worker never ends on its own; a key or URL that cannot be used ends it with an
/// error (settings validation refuses both at start already).
pub async fn run(
    store: Store,
    settings: RelayerSettings,
    chain: ChainSettings,
    shutdown: CancellationToken,
) -> WorkerResult {
    let signer = settings
        .signer()
        .map_err(|error| format!("bounty.relayer.private_key {error}"))?;
    let Some(signer) = signer else {
        tracing::info!("No relayer key is configured; this instance relays nothing.");
        shutdown.cancelled().await;
        return Ok(());
    };
    // The URL is a secret (hosted nodes carry a key in it), so its error is not passed on.
    let provider = nexus_chain::connect(chain.expose_rpc_url(), None)
        .map_err(|_| "bounty.chain.rpc_url is not a usable URL".to_owned())?;
    let node = chain::Chain::new(
        provider,
        chain.request_timeout,
        settings.breaker_failure_threshold,
        settings.breaker_open_duration,
    );
    sender::Sender::new(store, settings, signer, node, chain.chain_id)
        .run(shutdown)
        .await;
    Ok(())
}
