//! The multi-row statements of an ingest: headers, logs, stakes and outbox rows, each in one
//! statement whatever the number of rows: `COPY` (binary, see `copy`) for the two large ones,
//! the logs and the outbox rows, `UNNEST` of arrays for the others.
//!
//! A log row is written once, complete: the envelope id and name of the event it becomes are
//! chosen before the insert ([`planned_event`]) for every log whose event is known from the log
//! alone, which is nearly all of them. The insert's `ON CONFLICT DO NOTHING RETURNING` stays the
//! guard that a log is published once: only the logs it returns are projected and published, and
//! a second writer of the same range waits on the first one's uncommitted keys and then inserts
//! nothing. The few logs whose event depends on stored state (settlements, parameter changes, and
//! any projection that turns out differently from the plan) are renamed afterwards, one small
//! statement for all of them ([`rename`]). The event's payload is stored once, in its outbox
//! envelope; a retraction needs only the log row's position and envelope id.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use nexus_db::DbError;
use nexus_proto::Event;
use nexus_proto::chain::{BountyResolved, ChainEvent, DisputeDecided, EVENTS_STREAM, Slashed};
use sqlx::PgConnection;
use uuid::Uuid;

use super::copy::BinaryRows;
use super::{Batch, BlockHeader, StakeRead};
use crate::domain::decode::{Decoded, Fact};
use crate::store::big;

/// The envelope id and event name a log's row carries from its insert.
pub(super) type Planned = Option<(Uuid, &'static str)>;

/// The event `fact` becomes when its name does not depend on stored state, with a fresh
/// envelope id. Settlements are always published (the settlement itself is computed later, the
/// name is known); parameter changes only when a value changed, so they are not planned.
pub(super) fn planned_event(fact: &Fact) -> Planned {
    let name = match fact {
        Fact::Event(event) => event.name(),
        Fact::Slashed { .. } => Slashed::NAME,
        Fact::Resolved { .. } => BountyResolved::NAME,
        Fact::Decided { .. } => DisputeDecided::NAME,
        _ => return None,
    };
    Some((Uuid::now_v7(), name))
}

/// One published event: its envelope id and the envelope as the outbox stores it (JSON text,
/// serialized once from the typed envelope).
pub(super) struct Published {
    pub(super) envelope_id: Uuid,
    pub(super) envelope: String,
}

/// A log row whose event differs from the one planned at its insert: `None` for no event.
pub(super) struct Renamed {
    pub(super) block_hash: String,
    pub(super) log_index: i64,
    pub(super) event: Option<(Uuid, &'static str)>,
}

fn encode_error(error: serde_json::Error) -> DbError {
    DbError::Query(sqlx::Error::Encode(Box::new(error)))
}

/// `event` in an envelope with id `envelope_id`, serialized straight from its typed payload.
pub(super) fn envelope(envelope_id: Uuid, event: ChainEvent) -> Result<Published, DbError> {
    let envelope = event.to_envelope_json(envelope_id).map_err(encode_error)?;
    Ok(Published {
        envelope_id,
        envelope,
    })
}

/// The batch's headers (the blocks holding logs and the last one), in one statement.
pub(super) async fn insert_blocks(
    transaction: &mut PgConnection,
    chain: i64,
    batch: &Batch,
) -> Result<(), DbError> {
    let headers: Vec<&BlockHeader> = batch
        .blocks
        .iter()
        .chain(std::iter::once(&batch.last))
        .collect();
    let numbers = headers
        .iter()
        .map(|header| big(header.number))
        .collect::<Result<Vec<_>, _>>()?;
    let hashes: Vec<String> = headers.iter().map(|header| header.hash.clone()).collect();
    let parents: Vec<Option<String>> = headers
        .iter()
        .map(|header| header.parent_hash.clone())
        .collect();
    let times: Vec<DateTime<Utc>> = headers.iter().map(|header| header.time).collect();
    sqlx::query!(
        "INSERT INTO chain.blocks (chain_id, number, hash, parent_hash, block_time)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::timestamptz[])
         ON CONFLICT (chain_id, number) DO NOTHING",
        chain,
        &numbers,
        &hashes,
        &parents as &[Option<String>],
        &times
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// The logs an insert stored for the first time.
pub(super) enum NewLogs {
    /// All of them (the common case: a range read for the first time).
    All,
    /// Only these keys (block hash, log index): the others were stored by an earlier read.
    Some(HashSet<(String, i64)>),
}

impl NewLogs {
    /// Whether the log at `block_hash`, `log_index` was stored by this insert.
    pub(super) fn contains(&self, block_hash: &str, log_index: i64) -> bool {
        match self {
            Self::All => true,
            Self::Some(keys) => keys.contains(&(block_hash.to_owned(), log_index)),
        }
    }
}

/// SQLSTATE `unique_violation`.
const UNIQUE_VIOLATION: &str = "23505";

/// Inserts the logs not stored yet, complete (with the planned event of each).
///
/// The fast path copies them all in (`COPY`, binary), inside a savepoint: a range read for the
/// first time has none of its logs stored. If any is (a replayed range, or a second writer of
/// the same range, whose copy waits on the first one's uncommitted keys), the copy fails on the
/// primary key, the savepoint is rolled back and the logs go through the keyed insert instead
/// (`ON CONFLICT DO NOTHING RETURNING`), which stores only the new ones and names them. Either
/// way a log is stored, and so published, once.
pub(super) async fn insert_logs(
    transaction: &mut PgConnection,
    chain: i64,
    logs: &[Decoded],
    planned: &[Planned],
) -> Result<NewLogs, DbError> {
    if logs.is_empty() {
        return Ok(NewLogs::All);
    }
    let mut rows = BinaryRows::with_capacity(logs.len(), 320);
    for (decoded, planned) in logs.iter().zip(planned) {
        let position = &decoded.position;
        rows.row(9)
            .bigint(chain)
            .text(&position.block_hash)
            .bigint(big(position.log_index)?)
            .bigint(big(position.block_number)?)
            .text(&position.transaction_hash)
            .text(&position.contract)
            .timestamptz(position.block_time)
            .optional_text(planned.map(|(_, name)| name))
            .optional_uuid(planned.map(|(id, _)| id));
    }
    sqlx::query("SAVEPOINT copy_logs")
        .execute(&mut *transaction)
        .await?;
    let copied = copy_in(
        transaction,
        "COPY chain.logs (chain_id, block_hash, log_index, block_number, transaction_hash, \
         contract, block_time, event_name, envelope_id) FROM STDIN (FORMAT binary)",
        rows.finish(),
    )
    .await;
    match copied {
        Ok(_) => Ok(NewLogs::All),
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some(UNIQUE_VIOLATION) => {
            sqlx::query("ROLLBACK TO SAVEPOINT copy_logs")
                .execute(&mut *transaction)
                .await?;
            insert_new_logs(transaction, chain, logs, planned)
                .await
                .map(NewLogs::Some)
        }
        Err(error) => Err(error.into()),
    }
}

/// Streams `rows` (a binary `COPY` stream) into the `COPY ... FROM STDIN` `statement`.
async fn copy_in(
    connection: &mut PgConnection,
    statement: &str,
    rows: Vec<u8>,
) -> Result<u64, sqlx::Error> {
    let mut copy = connection.copy_in_raw(statement).await?;
    if let Err(error) = copy.send(rows).await {
        // The connection is broken (a send failed); abort only tells the server.
        let _aborted = copy.abort(error.to_string()).await;
        return Err(error);
    }
    copy.finish().await
}

/// The keyed insert of [`insert_logs`]: the logs not stored yet, in one statement; returns the
/// keys (block hash, log index) of those it inserted.
async fn insert_new_logs(
    transaction: &mut PgConnection,
    chain: i64,
    logs: &[Decoded],
    planned: &[Planned],
) -> Result<HashSet<(String, i64)>, DbError> {
    let mut hashes = Vec::with_capacity(logs.len());
    let mut indexes = Vec::with_capacity(logs.len());
    let mut numbers = Vec::with_capacity(logs.len());
    let mut transactions = Vec::with_capacity(logs.len());
    let mut contracts = Vec::with_capacity(logs.len());
    let mut times = Vec::with_capacity(logs.len());
    let mut names: Vec<Option<&str>> = Vec::with_capacity(logs.len());
    let mut ids: Vec<Option<Uuid>> = Vec::with_capacity(logs.len());
    for (decoded, planned) in logs.iter().zip(planned) {
        let position = &decoded.position;
        hashes.push(position.block_hash.as_str());
        indexes.push(big(position.log_index)?);
        numbers.push(big(position.block_number)?);
        transactions.push(position.transaction_hash.as_str());
        contracts.push(position.contract.as_str());
        times.push(position.block_time);
        names.push(planned.map(|(_, name)| name));
        ids.push(planned.map(|(id, _)| id));
    }
    let rows = sqlx::query!(
        r#"INSERT INTO chain.logs (chain_id, block_hash, log_index, block_number,
           transaction_hash, contract, block_time, event_name, envelope_id)
           SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::text[],
             $6::text[], $7::timestamptz[], $8::text[], $9::uuid[])
           ON CONFLICT DO NOTHING RETURNING block_hash, log_index"#,
        chain,
        &hashes as &[&str],
        &indexes,
        &numbers,
        &transactions as &[&str],
        &contracts as &[&str],
        &times,
        &names as &[Option<&str>],
        &ids as &[Option<Uuid>]
    )
    .fetch_all(&mut *transaction)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.block_hash, row.log_index))
        .collect())
}

/// Stake rows (`restored` after a rollback, or read for a range), in one statement.
pub(crate) async fn insert_stakes(
    transaction: &mut PgConnection,
    chain: i64,
    stakes: &[StakeRead],
) -> Result<(), DbError> {
    if stakes.is_empty() {
        return Ok(());
    }
    let accounts: Vec<String> = stakes.iter().map(|stake| stake.account.clone()).collect();
    let numbers = stakes
        .iter()
        .map(|stake| big(stake.block_number))
        .collect::<Result<Vec<_>, _>>()?;
    let staked: Vec<String> = stakes.iter().map(|stake| stake.staked.clone()).collect();
    let unstaking: Vec<String> = stakes.iter().map(|stake| stake.unstaking.clone()).collect();
    let unlock = stakes
        .iter()
        .map(|stake| big(stake.unlock_time))
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query!(
        "INSERT INTO chain.stakes (chain_id, account, block_number, log_index, staked,
         unstaking, unlock_time)
         SELECT $1, account, number, 0, staked::numeric, unstaking::numeric, unlock
         FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])
           AS read(account, number, staked, unstaking, unlock)
         ON CONFLICT DO NOTHING",
        chain,
        &accounts,
        &numbers,
        &staked,
        &unstaking,
        &unlock
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// Writes the events to the outbox (the rows `Outbox::enqueue` would write, in one `COPY`, and
/// one wake-up of the relay at commit). The envelope column of `chain.outbox` is `json`, not
/// `jsonb` (migration `20261208030000`): stored as the text it is, checked but not converted.
pub(super) async fn publish(
    transaction: &mut PgConnection,
    published: &[Published],
) -> Result<(), DbError> {
    if published.is_empty() {
        return Ok(());
    }
    let mut rows = BinaryRows::with_capacity(published.len(), 700);
    for event in published {
        rows.row(3)
            .uuid(event.envelope_id)
            .text(EVENTS_STREAM)
            .text(&event.envelope);
    }
    copy_in(
        transaction,
        "COPY chain.outbox (id, stream, envelope) FROM STDIN (FORMAT binary)",
        rows.finish(),
    )
    .await?;
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        nexus_db::outbox::OUTBOX_CHANNEL,
        crate::store::SCHEMA
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// Names on their log rows the events that differ from the plan (see the module docs).
pub(super) async fn rename(
    transaction: &mut PgConnection,
    chain: i64,
    renamed: &[Renamed],
) -> Result<(), DbError> {
    if renamed.is_empty() {
        return Ok(());
    }
    let hashes: Vec<&str> = renamed.iter().map(|row| row.block_hash.as_str()).collect();
    let indexes: Vec<i64> = renamed.iter().map(|row| row.log_index).collect();
    let names: Vec<Option<&str>> = renamed
        .iter()
        .map(|row| row.event.map(|(_, name)| name))
        .collect();
    let ids: Vec<Option<Uuid>> = renamed
        .iter()
        .map(|row| row.event.map(|(id, _)| id))
        .collect();
    sqlx::query!(
        "UPDATE chain.logs AS log SET event_name = new.name, envelope_id = new.id
         FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::uuid[])
           AS new(block_hash, log_index, name, id)
         WHERE log.chain_id = $1 AND log.block_hash = new.block_hash
           AND log.log_index = new.log_index",
        chain,
        &hashes as &[&str],
        &indexes,
        &names as &[Option<&str>],
        &ids as &[Option<Uuid>]
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}
