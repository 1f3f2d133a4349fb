-- The relayer's transaction queue (nexus-bounty's relayer, services/nexus-bounty/src/relayer/).
--
-- One row per intent to relay: the contract call (`to_address` + `calldata`) that the platform's
-- relayer key sends and pays gas for. The row is written in the same database transaction as the
-- change that asks for it (a new bounty and its creation call), so a request is either queued
-- with its job or not at all.
--
-- Guarantees the columns carry:
-- - `idempotency_key` (the intent's EIP-712 digest) is unique: an intent is queued once, and a
--   repeated request finds the existing job.
-- - `nonce` is written once per job (the update that sets it requires it to be NULL, except the
--   roll-back of a signed transaction that the node refused, so never broadcast), and
--   (relayer, nonce) is unique among live jobs: one nonce never carries two jobs.
-- - every signed transaction's hash is appended to `tx_hashes` BEFORE it is broadcast, together
--   with its raw bytes (`signed_tx`), so a sender killed mid-send leaves behind everything the
--   next one needs to find it on the chain or to broadcast the very same bytes again.
CREATE TABLE bounty.transactions (
    id              uuid PRIMARY KEY,
    -- What the call does (`create_bounty`, `commit`, ...), for the API and the logs.
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
    -- The bounty the call is about, when there is one.
    bounty_id       uuid,
    to_address      bytea NOT NULL CHECK (octet_length(to_address) = 20),
    calldata        bytea NOT NULL,
    idempotency_key bytea NOT NULL UNIQUE CHECK (octet_length(idempotency_key) = 32),
    -- queued → sending (signed, broadcast outcome unknown) → sent (the node accepted it)
    -- → confirmed (mined, succeeded) | failed (reverted, or attempts exhausted).
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sending', 'sent', 'confirmed', 'failed')),
    -- Failed tries that count towards the limit (a revert in estimation, a refusal by the node);
    -- an unreachable node does not count: the job waits for it.
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    relayer_address bytea CHECK (octet_length(relayer_address) = 20),
    nonce           bigint CHECK (nonce >= 0),
    gas_limit       bigint CHECK (gas_limit > 0),
    -- EIP-1559 fees of the last signed transaction, in wei.
    max_fee_per_gas          bigint CHECK (max_fee_per_gas >= 0),
    max_priority_fee_per_gas bigint CHECK (max_priority_fee_per_gas >= 0),
    -- Every broadcast transaction's hash, oldest first (replacements share the nonce).
    tx_hashes       bytea[] NOT NULL DEFAULT '{}',
    -- The last signed transaction (EIP-2718 bytes), broadcast again as is after a crash.
    signed_tx       bytea,
    last_sent_at    timestamptz,
    -- The mined transaction once confirmed or reverted.
    mined_tx_hash   bytea CHECK (octet_length(mined_tx_hash) = 32),
    block_number    bigint,
    -- Why the job failed (or why its last try did), in words the API can show.
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((nonce IS NULL) = (relayer_address IS NULL)),
    CHECK (status = 'queued' OR status = 'failed' OR nonce IS NOT NULL)
);

-- One live job per (relayer, nonce). A failed job keeps its nonce for the record; it holds one
-- only when every broadcast of it was refused or it was mined and reverted (then the next job
-- takes the next nonce anyway).
CREATE UNIQUE INDEX transactions_relayer_nonce_idx ON bounty.transactions (relayer_address, nonce)
    WHERE nonce IS NOT NULL AND status <> 'failed';

-- The sender's work: due queued jobs, and jobs on the way.
CREATE INDEX transactions_due_idx ON bounty.transactions (next_attempt_at, created_at)
    WHERE status = 'queued';
CREATE INDEX transactions_in_flight_idx ON bounty.transactions (relayer_address, nonce)
    WHERE status IN ('sending', 'sent');

-- The API's read: a bounty's transactions.
CREATE INDEX transactions_bounty_idx ON bounty.transactions (bounty_id, created_at)
    WHERE bounty_id IS NOT NULL;
