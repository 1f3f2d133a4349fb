-- Bounties (nexus-bounty): the terms a creator signed, the artifact they are about, and the read
-- model of their life cycle, which only confirmed chain events move (nexus_core::bounty::lifecycle;
-- docs/BOUNTIES.md).
--
-- Guarantees the columns carry:
-- - `intent_digest` (the EIP-712 digest of the signed CreateBounty intent) is unique: a create
--   request sent twice finds the first bounty instead of posting a second one.
-- - `chain_bounty_id` is the contract's id, set once by BountyCreated, unique.
-- - amounts are wei as numeric(39, 0): exact, up to the contract's uint128, and sortable.
-- - the artifact columns match the kind: a URL has its text, a contract its chain id and address,
--   a file neither; `artifact_hash` is always the contract's artifactHash (file SHA-256, keccak256
--   of the URL, the address left-padded).
CREATE TABLE bounty.bounties (
    id                 uuid PRIMARY KEY,
    -- The account that posted it (nexus-user's id, the token's subject) and its linked wallet that
    -- signed the intent.
    creator_id         text NOT NULL CHECK (creator_id <> '' AND length(creator_id) <= 128),
    creator_address    bytea NOT NULL CHECK (octet_length(creator_address) = 20),
    artifact_kind      text NOT NULL CHECK (artifact_kind IN ('file', 'url', 'contract')),
    artifact_hash      bytea NOT NULL CHECK (octet_length(artifact_hash) = 32),
    artifact_url       text CHECK (octet_length(artifact_url) BETWEEN 1 AND 2048),
    artifact_chain_id  bigint CHECK (artifact_chain_id > 0),
    artifact_address   bytea CHECK (octet_length(artifact_address) = 20),
    reward             numeric(39, 0) NOT NULL CHECK (reward > 0),
    min_stake          numeric(39, 0) NOT NULL CHECK (min_stake > 0),
    assertion_deadline timestamptz NOT NULL,
    -- Known from the terms at creation (deadline + the governed reveal window), confirmed by
    -- BountyCreated.
    reveal_deadline    timestamptz NOT NULL CHECK (reveal_deadline > assertion_deadline),
    -- Listed for everyone, guests included (false: the creator, analysts and admins).
    is_public          boolean NOT NULL DEFAULT true,
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('draft', 'pending', 'open', 'revealing', 'resolving',
                                         'resolved', 'disputed', 'decided', 'expired', 'refunded')),
    chain_bounty_id    bigint UNIQUE CHECK (chain_bounty_id > 0),
    intent_digest      bytea NOT NULL UNIQUE CHECK (octet_length(intent_digest) = 32),
    commitment_count   integer NOT NULL DEFAULT 0 CHECK (commitment_count >= 0),
    reveal_count       integer NOT NULL DEFAULT 0 CHECK (reveal_count BETWEEN 0 AND commitment_count),
    outcome            text CHECK (outcome IN ('benign', 'malicious', 'invalid')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((artifact_kind = 'url') = (artifact_url IS NOT NULL)),
    CHECK ((artifact_kind = 'contract') = (artifact_chain_id IS NOT NULL)),
    CHECK ((artifact_kind = 'contract') = (artifact_address IS NOT NULL)),
    CHECK ((status IN ('draft', 'pending')) = (chain_bounty_id IS NULL))
);

-- The list's orders (newest, highest reward, nearest deadline), each with the id as tie-breaker
-- for keyset cursors, and its filters.
CREATE INDEX bounties_created_idx ON bounty.bounties (id DESC);
CREATE INDEX bounties_reward_idx ON bounty.bounties (reward DESC, id DESC);
CREATE INDEX bounties_deadline_idx ON bounty.bounties (assertion_deadline, id);
CREATE INDEX bounties_creator_idx ON bounty.bounties (creator_id, id DESC);
CREATE INDEX bounties_artifact_idx ON bounty.bounties (artifact_hash);
CREATE INDEX bounties_status_idx ON bounty.bounties (status, id DESC);
