//! What the proposals read API serves: proposals with their latest change and vote totals, and
//! their votes, computed from [`super::proposals`]'s rows at read time.

use nexus_db::DbError;

use super::{Store, big, unsigned};
use crate::domain::proposal::{LogCursor, PhaseFilter};

/// A proposal as stored, with its latest change and its vote totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    /// Decimal id.
    pub proposal_id: String,
    /// Proposer.
    pub proposer: String,
    /// Contracts called.
    pub targets: Vec<String>,
    /// Wei sent with each call.
    pub values: Vec<String>,
    /// Signatures of each call.
    pub signatures: Vec<String>,
    /// Call data, hex.
    pub calldatas: Vec<String>,
    /// Description.
    pub description: String,
    /// Voting opens after (unix seconds).
    pub vote_start: u64,
    /// Voting closes after.
    pub vote_end: u64,
    /// Creating transaction.
    pub transaction_hash: String,
    /// The `ProposalCreated` log.
    pub created: LogCursor,
    /// The latest stored state (`queued`, `executed`, `canceled`), if any.
    pub stored_state: Option<String>,
    /// Eta of the latest change, when queued.
    pub eta: Option<u64>,
    /// The latest change's log.
    pub changed: Option<LogCursor>,
    /// Weight for, wei.
    pub for_votes: String,
    /// Weight against.
    pub against: String,
    /// Weight abstaining.
    pub abstain: String,
    /// Accounts that voted.
    pub voters: u64,
    /// The latest vote's log.
    pub last_vote: Option<LogCursor>,
}

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposalQuery<'a> {
    /// Only this proposal (decimal id, validated by the caller).
    pub proposal_id: Option<&'a str>,
    /// Only proposals in this phase.
    pub phase: Option<PhaseFilter>,
    /// The clock the phases are judged at (unix seconds: the last block read).
    pub now: u64,
    /// Start after this position (newest first).
    pub after: Option<LogCursor>,
    /// At most this many.
    pub limit: i64,
}

/// One vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteRow {
    /// The voter.
    pub voter: String,
    /// 0 against, 1 for, 2 abstain.
    pub support: i16,
    /// Weight, wei.
    pub weight: String,
    /// Reason given.
    pub reason: String,
    /// Params, hex.
    pub params: Option<String>,
    /// The vote's log.
    pub log: LogCursor,
}

fn cursor(block_number: Option<i64>, log_index: Option<i64>) -> Option<LogCursor> {
    Some(LogCursor {
        block_number: unsigned(block_number?),
        log_index: unsigned(log_index?),
    })
}

impl Store {
    /// Proposals of `chain_id`, newest first, with their latest change and vote totals.
    pub async fn proposals(
        &self,
        chain_id: u64,
        query: ProposalQuery<'_>,
    ) -> Result<Vec<ProposalRow>, DbError> {
        let (after_block, after_log) = match query.after {
            Some(after) => (Some(big(after.block_number)?), Some(big(after.log_index)?)),
            None => (None, None),
        };
        let rows = sqlx::query!(
            r#"SELECT p.proposal_id::text AS "proposal_id!", p.proposer, p.targets,
                      p.call_values::text[] AS "call_values!", p.signatures, p.calldatas,
                      p.description, p.vote_start, p.vote_end, p.transaction_hash,
                      p.block_number, p.log_index,
                      change.state AS "stored_state?", change.eta AS "eta?",
                      change.block_number AS "changed_block?",
                      change.log_index AS "changed_log?",
                      tally.for_votes::text AS "for_votes!", tally.against::text AS "against!",
                      tally.abstain::text AS "abstain!", tally.voters AS "voters!",
                      tally.last_block AS "vote_block?", tally.last_log AS "vote_log?"
               FROM chain.proposals AS p
               LEFT JOIN LATERAL (
                 SELECT c.state, c.eta, c.block_number, c.log_index
                 FROM chain.proposal_changes AS c
                 WHERE c.chain_id = p.chain_id AND c.proposal_id = p.proposal_id
                 ORDER BY c.block_number DESC, c.log_index DESC LIMIT 1
               ) AS change ON true
               CROSS JOIN LATERAL (
                 SELECT coalesce(sum(v.weight) FILTER (WHERE v.support = 1), 0) AS for_votes,
                        coalesce(sum(v.weight) FILTER (WHERE v.support = 0), 0) AS against,
                        coalesce(sum(v.weight) FILTER (WHERE v.support = 2), 0) AS abstain,
                        count(*) AS voters,
                        (max(ARRAY[v.block_number, v.log_index]))[1] AS last_block,
                        (max(ARRAY[v.block_number, v.log_index]))[2] AS last_log
                 FROM chain.proposal_votes AS v
                 WHERE v.chain_id = p.chain_id AND v.proposal_id = p.proposal_id
               ) AS tally
               WHERE p.chain_id = $1
                 AND ($2::text IS NULL OR p.proposal_id = $2::text::numeric)
                 AND ($3::bigint IS NULL OR (p.block_number, p.log_index) < ($3, $4::bigint))
                 AND ($5::text IS NULL OR $5 = CASE
                       WHEN change.state IS NOT NULL THEN change.state
                       WHEN p.vote_start >= $6 THEN 'pending'
                       WHEN p.vote_end >= $6 THEN 'active'
                       ELSE 'ended' END)
               ORDER BY p.block_number DESC, p.log_index DESC
               LIMIT $7"#,
            big(chain_id)?,
            query.proposal_id,
            after_block,
            after_log,
            query.phase.map(PhaseFilter::name),
            big(query.now)?,
            query.limit
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| ProposalRow {
                proposal_id: row.proposal_id,
                proposer: row.proposer,
                targets: row.targets,
                values: row.call_values,
                signatures: row.signatures,
                calldatas: row.calldatas,
                description: row.description,
                vote_start: unsigned(row.vote_start),
                vote_end: unsigned(row.vote_end),
                transaction_hash: row.transaction_hash,
                created: LogCursor {
                    block_number: unsigned(row.block_number),
                    log_index: unsigned(row.log_index),
                },
                stored_state: row.stored_state,
                eta: row.eta.map(unsigned),
                changed: cursor(row.changed_block, row.changed_log),
                for_votes: row.for_votes,
                against: row.against,
                abstain: row.abstain,
                voters: unsigned(row.voters),
                last_vote: cursor(row.vote_block, row.vote_log),
            })
            .collect())
    }

    /// The votes on `proposal_id` (decimal, validated by the caller), in chain order, after
    /// `after`.
    pub async fn proposal_votes(
        &self,
        chain_id: u64,
        proposal_id: &str,
        after: Option<LogCursor>,
        limit: i64,
    ) -> Result<Vec<VoteRow>, DbError> {
        let (after_block, after_log) = match after {
            Some(after) => (Some(big(after.block_number)?), Some(big(after.log_index)?)),
            None => (None, None),
        };
        let rows = sqlx::query!(
            r#"SELECT voter, support, weight::text AS "weight!", reason, params, block_number,
                      log_index
               FROM chain.proposal_votes
               WHERE chain_id = $1 AND proposal_id = $2::text::numeric
                 AND ($3::bigint IS NULL OR (block_number, log_index) > ($3, $4::bigint))
               ORDER BY block_number, log_index
               LIMIT $5"#,
            big(chain_id)?,
            proposal_id,
            after_block,
            after_log,
            limit
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| VoteRow {
                voter: row.voter,
                support: row.support,
                weight: row.weight,
                reason: row.reason,
                params: row.params,
                log: LogCursor {
                    block_number: unsigned(row.block_number),
                    log_index: unsigned(row.log_index),
                },
            })
            .collect())
    }
}
