-- nexus-chain-listener: governance proposals as the Governor's logs tell them.
--
-- Three tables, one row per log, each carrying the block it comes from (block_number,
-- log_index), like every projection of this schema: a reorganisation deletes the rows above the
-- common ancestor and nothing else needs restoring. The vote totals, the state and the eta are
-- not stored on the proposal but computed when read (the latest change, the sums of the votes,
-- the vote timepoints against the time of the last block read), so a rollback that takes away a
-- vote or a queueing can never leave a stale total or state behind.

-- One row per ProposalCreated. Ids are uint256 (a hash), kept as numeric(78) and served as
-- decimal text; amounts are wei; calldatas are 0x hex; timepoints are the Governor's clock
-- (NXS's votes clock: unix seconds).
CREATE TABLE chain.proposals (
    chain_id          bigint        NOT NULL,
    proposal_id       numeric(78)   NOT NULL CHECK (proposal_id >= 0),
    proposer          text          NOT NULL,
    targets           text[]        NOT NULL,
    call_values       numeric(78)[] NOT NULL,
    signatures        text[]        NOT NULL,
    calldatas         text[]        NOT NULL,
    description       text          NOT NULL,
    vote_start        bigint        NOT NULL CHECK (vote_start >= 0),
    vote_end          bigint        NOT NULL CHECK (vote_end >= 0),
    block_number      bigint        NOT NULL CHECK (block_number >= 0),
    log_index         bigint        NOT NULL CHECK (log_index >= 0),
    transaction_hash  text          NOT NULL,
    PRIMARY KEY (chain_id, proposal_id)
);
-- Newest first, the list's order and cursor.
CREATE INDEX proposals_newest ON chain.proposals (chain_id, block_number DESC, log_index DESC);

-- The lifecycle logs after creation (ProposalQueued with its eta, ProposalExecuted,
-- ProposalCanceled): the newest one is the proposal's stored state.
CREATE TABLE chain.proposal_changes (
    chain_id          bigint        NOT NULL,
    proposal_id       numeric(78)   NOT NULL,
    block_number      bigint        NOT NULL CHECK (block_number >= 0),
    log_index         bigint        NOT NULL CHECK (log_index >= 0),
    state             text          NOT NULL CHECK (state IN ('queued', 'executed', 'canceled')),
    eta               bigint        CHECK (eta >= 0),
    PRIMARY KEY (chain_id, proposal_id, block_number, log_index)
);

-- VoteCast and VoteCastWithParams: the Governor takes one vote per account and proposal, so the
-- key makes a replay (or a vote re-read after a reorganisation) a no-op. support: 0 against,
-- 1 for, 2 abstain (GovernorCountingSimple).
CREATE TABLE chain.proposal_votes (
    chain_id          bigint        NOT NULL,
    proposal_id       numeric(78)   NOT NULL,
    voter             text          NOT NULL,
    support           smallint      NOT NULL CHECK (support IN (0, 1, 2)),
    weight            numeric(78)   NOT NULL CHECK (weight >= 0),
    reason            text          NOT NULL,
    params            text,
    block_number      bigint        NOT NULL CHECK (block_number >= 0),
    log_index         bigint        NOT NULL CHECK (log_index >= 0),
    PRIMARY KEY (chain_id, proposal_id, voter)
);
-- A proposal's votes in chain order (the votes list's order and cursor).
CREATE INDEX proposal_votes_order ON chain.proposal_votes
    (chain_id, proposal_id, block_number, log_index);
