//! The governance proposals projection (tables from
//! `migrations/20261207200000_chain_proposals.sql`): one row per `ProposalCreated`, per vote and
//! per lifecycle log (queued, executed, canceled), written by [`super::ingest`] in the
//! transaction of the range that read them, and deleted above a common ancestor by
//! [`super::blocks`]'s rollback like every other projection of the schema.
//!
//! Nothing here is a running total: the vote totals and the state are computed when read
//! ([`super::proposals_read`]), so a rollback is plain deletes by block and never has to restore
//! a previous value. Every insert is keyed (a proposal by its id, a vote by proposal and voter, a
//! change by its log) and `ON CONFLICT DO NOTHING`, so a replayed range changes nothing.

use nexus_db::DbError;
use nexus_proto::chain::LogPosition;
use sqlx::PgConnection;

use super::big;
use crate::domain::decode::{ProposalChange, ProposalCreated, ProposalVote};

/// Stores a `ProposalCreated`.
pub(crate) async fn insert_proposal(
    transaction: &mut PgConnection,
    chain: i64,
    position: &LogPosition,
    created: &ProposalCreated,
) -> Result<(), DbError> {
    sqlx::query!(
        "INSERT INTO chain.proposals (chain_id, proposal_id, proposer, targets, call_values,
         signatures, calldatas, description, vote_start, vote_end, block_number, log_index,
         transaction_hash)
         VALUES ($1, $2::text::numeric, $3, $4, $5::text[]::numeric[], $6, $7, $8, $9, $10, $11,
                 $12, $13)
         ON CONFLICT DO NOTHING",
        chain,
        created.proposal_id,
        created.proposer,
        &created.targets,
        &created.values,
        &created.signatures,
        &created.calldatas,
        created.description,
        big(created.vote_start)?,
        big(created.vote_end)?,
        big(position.block_number)?,
        big(position.log_index)?,
        position.transaction_hash
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// Stores a vote (the Governor takes one per account and proposal).
pub(crate) async fn insert_vote(
    transaction: &mut PgConnection,
    chain: i64,
    position: &LogPosition,
    vote: &ProposalVote,
) -> Result<(), DbError> {
    sqlx::query!(
        "INSERT INTO chain.proposal_votes (chain_id, proposal_id, voter, support, weight, reason,
         params, block_number, log_index)
         VALUES ($1, $2::text::numeric, $3, $4, $5::text::numeric, $6, $7, $8, $9)
         ON CONFLICT DO NOTHING",
        chain,
        vote.proposal_id,
        vote.voter,
        i16::from(vote.support),
        vote.weight,
        vote.reason,
        vote.params,
        big(position.block_number)?,
        big(position.log_index)?
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// Stores a lifecycle step (queued with its eta, executed, canceled).
pub(crate) async fn insert_change(
    transaction: &mut PgConnection,
    chain: i64,
    position: &LogPosition,
    proposal_id: &str,
    change: ProposalChange,
) -> Result<(), DbError> {
    let eta = change.eta().map(big).transpose()?;
    sqlx::query!(
        "INSERT INTO chain.proposal_changes (chain_id, proposal_id, block_number, log_index,
         state, eta)
         VALUES ($1, $2::text::numeric, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING",
        chain,
        proposal_id,
        big(position.block_number)?,
        big(position.log_index)?,
        change.state(),
        eta
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

/// Deletes what blocks above `above` (-1: every block) produced: proposals, votes and changes,
/// as the rollback deletes bounties, assertions, stakes and parameters.
pub(crate) async fn delete_proposals_above(
    transaction: &mut PgConnection,
    chain: i64,
    above: i64,
) -> Result<(), DbError> {
    sqlx::query!(
        "DELETE FROM chain.proposals WHERE chain_id = $1 AND block_number > $2",
        chain,
        above
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query!(
        "DELETE FROM chain.proposal_votes WHERE chain_id = $1 AND block_number > $2",
        chain,
        above
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query!(
        "DELETE FROM chain.proposal_changes WHERE chain_id = $1 AND block_number > $2",
        chain,
        above
    )
    .execute(&mut *transaction)
    .await?;
    Ok(())
}
