-- nexus-reputation: the chain facts reputation is derived from, the scored assertions, each
-- analyst's aggregate and the history of every change with its reason (docs/REPUTATION.md).
--
-- The envelope ids already applied are the schema's inbox (20261122090005_reputation_schema.sql).

-- Every chain event the scores depend on (BountyOpened, AssertionRevealed, BountyResolved,
-- DisputeDecided, Slashed), kept as its typed payload and keyed by its envelope id, so that a
-- reorganisation's ChainEventsRetracted removes exactly those rows and the bounty is scored again
-- from what remains. A bounty's scored assertions are a function of these rows alone.
CREATE TABLE reputation.chain_inputs (
    envelope_id  uuid PRIMARY KEY,
    -- The contract's bounty id.
    bounty_id    bigint NOT NULL CHECK (bounty_id >= 0),
    -- The event's name (nexus-proto `ChainEvent::name`).
    name         text NOT NULL,
    block_number bigint NOT NULL,
    log_index    bigint NOT NULL,
    block_time   timestamptz NOT NULL,
    -- The event's payload as the chain listener published it.
    payload      jsonb NOT NULL
);
CREATE INDEX chain_inputs_by_bounty
    ON reputation.chain_inputs (bounty_id, block_number, log_index);

-- Analysts by wallet: the aggregate of their scored assertions and the account nexus-user says
-- the wallet is linked to (looked up by the `wallet-owners` worker, never by the consumer).
CREATE TABLE reputation.analysts (
    -- `0x` + 40 lower-case hex digits.
    analyst          text PRIMARY KEY CHECK (analyst ~ '^0x[0-9a-f]{40}$'),
    -- The account the wallet is linked to; NULL until nexus-user answered (or none links it).
    user_id          uuid,
    -- When the owner is asked next (NULL once known).
    owner_next_check timestamptz DEFAULT now(),
    owner_attempts   integer NOT NULL DEFAULT 0,
    owner_error      text,
    -- The wallet's reputation score (docs/REPUTATION.md) as of its last change.
    score            double precision NOT NULL DEFAULT 0,
    settled          integer NOT NULL DEFAULT 0,
    correct          integer NOT NULL DEFAULT 0,
    trust_level      text NOT NULL DEFAULT 'newcomer',
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analysts_by_user ON reputation.analysts (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX analysts_owner_due
    ON reputation.analysts (owner_next_check) WHERE owner_next_check IS NOT NULL;

-- Scored assertions: one row per analyst and settled bounty, the projection of the bounty's
-- chain inputs under its current outcome (a DisputeDecided replaces the BountyResolved one).
CREATE TABLE reputation.assertions (
    bounty_id       bigint NOT NULL,
    analyst         text NOT NULL REFERENCES reputation.analysts (analyst),
    -- `file`, `url` or `contract` (BountyOpened); `unknown` before it arrived.
    artifact_kind   text NOT NULL,
    -- The artifact reference (`0x` + 64 hex digits), empty before BountyOpened.
    artifact_hash   text NOT NULL,
    -- pe, elf, macho, document, script, archive, url, contract, other.
    file_type       text NOT NULL,
    -- Malware family tag, when the analysis has one.
    family          text,
    -- `benign` / `malicious`; NULL when never revealed.
    verdict         text,
    -- Revealed confidence, 0-100 as the contract carries it.
    confidence      smallint CHECK (confidence BETWEEN 0 AND 100),
    -- Stake on the bounty, wei as a decimal string.
    stake           text NOT NULL,
    -- The bounty's final (or current) outcome: benign, malicious, invalid.
    outcome         text NOT NULL,
    -- won, lost, refunded, unrevealed.
    analyst_outcome text NOT NULL,
    -- Whether the revealed verdict matched the outcome; NULL when not judged (invalid outcome
    -- or never revealed).
    correct         boolean,
    -- Whether `slashUnrevealed` took qualifying stake for it.
    slashed         boolean NOT NULL DEFAULT false,
    settled_at      timestamptz NOT NULL,
    -- The assertion's undecayed score contribution (docs/REPUTATION.md).
    points          double precision NOT NULL,
    PRIMARY KEY (bounty_id, analyst)
);
CREATE INDEX assertions_by_analyst ON reputation.assertions (analyst, settled_at);
CREATE INDEX assertions_by_settled ON reputation.assertions (settled_at);

-- Every change of an analyst's reputation with its reason: the bounty, the event that caused it,
-- the outcome the assertion now has, the change of the score and the score afterwards.
CREATE TABLE reputation.history (
    id            bigserial PRIMARY KEY,
    analyst       text NOT NULL REFERENCES reputation.analysts (analyst),
    bounty_id     bigint NOT NULL,
    -- The envelope whose event caused the change.
    envelope_id   uuid NOT NULL,
    -- BountyResolved, DisputeDecided, Slashed or ChainEventsRetracted.
    reason        text NOT NULL,
    -- The bounty's outcome after the change (NULL when the assertion is no longer scored).
    outcome       text,
    -- The analyst's outcome after the change (won, lost, refunded, unrevealed; NULL likewise).
    analyst_outcome text,
    delta         double precision NOT NULL,
    score         double precision NOT NULL,
    trust_level   text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX history_by_analyst ON reputation.history (analyst, id DESC);
