-- nexus-chain-listener: what it has read of the chain, and the projections it builds from it.
-- Every row carries the block it comes from (chain_id, block_number, block_hash), so a
-- reorganisation deletes exactly what the orphaned blocks produced, in one transaction.

-- Where ingestion stands, per chain: the last block read (its logs stored and published).
CREATE TABLE chain.checkpoints (
    chain_id      bigint      PRIMARY KEY CHECK (chain_id > 0),
    start_block   bigint      NOT NULL CHECK (start_block >= 0),
    block_number  bigint      NOT NULL CHECK (block_number >= 0),
    block_hash    text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Stored block headers: the last block of every range read and every block that held a log
-- (sparse; docs/CHAIN_LISTENER.md says why that is enough for the walk back).
CREATE TABLE chain.blocks (
    chain_id      bigint      NOT NULL,
    number        bigint      NOT NULL CHECK (number >= 0),
    hash          text        NOT NULL,
    parent_hash   text,
    block_time    timestamptz NOT NULL,
    PRIMARY KEY (chain_id, number)
);

-- Decoded logs, keyed by (chain id, block hash, log index) so a replayed range is harmless.
-- envelope_id is the event published for the log (none for logs that only feed projections).
CREATE TABLE chain.logs (
    chain_id          bigint      NOT NULL,
    block_hash        text        NOT NULL,
    log_index         bigint      NOT NULL CHECK (log_index >= 0),
    block_number      bigint      NOT NULL CHECK (block_number >= 0),
    transaction_hash  text        NOT NULL,
    contract          text        NOT NULL,
    event_name        text,
    envelope_id       uuid        UNIQUE,
    payload           jsonb,
    PRIMARY KEY (chain_id, block_hash, log_index)
);
CREATE INDEX logs_block ON chain.logs (chain_id, block_number);

-- Bounties as the chain has them (the terms settlement needs).
CREATE TABLE chain.bounties (
    chain_id          bigint      NOT NULL,
    bounty_id         bigint      NOT NULL,
    block_number      bigint      NOT NULL,
    creator           text        NOT NULL,
    reward            numeric(78) NOT NULL,
    fee_bps           integer     NOT NULL,
    no_reveal_slash   numeric(78) NOT NULL,
    PRIMARY KEY (chain_id, bounty_id)
);

-- Assertions: committed stake and revealed verdict, in commit order.
CREATE TABLE chain.assertions (
    chain_id          bigint      NOT NULL,
    bounty_id         bigint      NOT NULL,
    analyst           text        NOT NULL,
    block_number      bigint      NOT NULL,
    log_index         bigint      NOT NULL,
    stake             numeric(78) NOT NULL,
    verdict           text        CHECK (verdict IN ('benign', 'malicious')),
    revealed_block    bigint,
    PRIMARY KEY (chain_id, bounty_id, analyst)
);

-- Stakes per account after each change (read from the token at that block), newest wins.
CREATE TABLE chain.stakes (
    chain_id          bigint      NOT NULL,
    account           text        NOT NULL,
    block_number      bigint      NOT NULL,
    log_index         bigint      NOT NULL,
    staked            numeric(78) NOT NULL,
    unstaking         numeric(78) NOT NULL,
    unlock_time       bigint      NOT NULL,
    PRIMARY KEY (chain_id, account, block_number, log_index)
);

-- Governed parameters after each change, newest wins (a rollback restores the one before).
CREATE TABLE chain.parameters (
    chain_id          bigint      NOT NULL,
    name              text        NOT NULL,
    block_number      bigint      NOT NULL,
    log_index         bigint      NOT NULL,
    value             text        NOT NULL,
    PRIMARY KEY (chain_id, name, block_number, log_index)
);

-- Reorganisations that reached stored blocks.
CREATE TABLE chain.reorgs (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain_id          bigint      NOT NULL,
    detected_at       timestamptz NOT NULL DEFAULT now(),
    depth             bigint      NOT NULL,
    ancestor_number   bigint      NOT NULL,
    ancestor_hash     text        NOT NULL,
    retracted_events  bigint      NOT NULL
);
