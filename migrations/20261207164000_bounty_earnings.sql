-- What accounts earn and lose on bounties, from the chain listener's confirmed events
-- (nexus-bounty's read model; docs/BOUNTIES.md, "Your own bounties, assertions and earnings").
--
-- One row per fact and wallet, written in the transaction that applies the event's envelope to
-- the read model (with its inbox row), and deleted with it when ChainEventsRetracted names the
-- envelope:
--   settled   an analyst's part of a settlement (BountyResolved, or DisputeDecided, whose row
--             replaces the resolution's: the settlement in force is the latest row by seq)
--   claimed   RewardClaimed: `amount` paid to the analyst
--   slashed   Slashed with a bounty id: `amount` of qualifying stake taken
--   refunded  BountyRefunded: `amount` of reward returned to the creator
-- `at` is the block time of the event's log. Wallets are stored, not accounts: a wallet's
-- facts follow it to whichever account links it (GET /v1/me/earnings asks nexus-user).
CREATE TABLE bounty.earnings (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    envelope_id  uuid NOT NULL,
    bounty_id    uuid NOT NULL REFERENCES bounty.bounties (id),
    account      bytea NOT NULL CHECK (octet_length(account) = 20),
    kind         text NOT NULL CHECK (kind IN ('settled', 'claimed', 'slashed', 'refunded')),
    outcome      text CHECK (outcome IN ('won', 'lost', 'refunded', 'unrevealed')),
    stake        numeric(39, 0) NOT NULL DEFAULT 0 CHECK (stake >= 0),
    payout       numeric(39, 0) NOT NULL DEFAULT 0 CHECK (payout >= 0),
    forfeited    numeric(39, 0) NOT NULL DEFAULT 0 CHECK (forfeited >= 0),
    slash        numeric(39, 0) NOT NULL DEFAULT 0 CHECK (slash >= 0),
    amount       numeric(39, 0) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    at           timestamptz NOT NULL,
    UNIQUE (envelope_id, account, kind),
    CHECK ((kind = 'settled') = (outcome IS NOT NULL))
);
CREATE INDEX earnings_account_idx ON bounty.earnings (account, seq);
CREATE INDEX earnings_bounty_idx ON bounty.earnings (bounty_id, account, seq);

-- EarningsChanged still to publish: written with the fact in the same transaction, published by
-- the `earnings-notifier` worker once nexus-user names the wallet's account (a row stays, with
-- a growing delay, while nexus-user cannot be asked; it is dropped when no account links the
-- wallet). So a fact is never lost to an unreachable nexus-user, and the read model never waits
-- for it.
CREATE TABLE bounty.earnings_notifications (
    id               uuid PRIMARY KEY,
    account          bytea NOT NULL CHECK (octet_length(account) = 20),
    bounty_id        uuid NOT NULL,
    cause            text NOT NULL CHECK (cause <> ''),
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text
);
CREATE INDEX earnings_notifications_due_idx ON bounty.earnings_notifications (next_attempt_at);
