//! The multi-row statements of an ingest: headers, logs, stakes and outbox rows, each in one
//! statement (`UNNEST` of arrays) whatever the number of rows.
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

/// Inserts the logs not stored yet, complete (with the planned event of each), in one
/// statement; returns the keys (block hash, log index) of those it inserted.
pub(super) async fn insert_logs(
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

/// Writes the events to the outbox (the rows `Outbox::enqueue` would write, in one statement,
/// and one wake-up of the relay at commit).
pub(super) async fn publish(
    transaction: &mut PgConnection,
    published: &[Published],
) -> Result<(), DbError> {
    if published.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = published.iter().map(|event| event.envelope_id).collect();
    let envelopes: Vec<&str> = published
        .iter()
        .map(|event| event.envelope.as_str())
        .collect();
    sqlx::query!(
        "INSERT INTO chain.outbox (id, stream, envelope)
         SELECT id, $2, envelope::jsonb FROM UNNEST($1::uuid[], $3::text[]) AS e(id, envelope)",
        &ids,
        EVENTS_STREAM,
        &envelopes as &[&str]
    )
    .execute(&mut *transaction)
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
