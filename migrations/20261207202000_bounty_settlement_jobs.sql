-- The two settlement steps the bounty service's scheduler performs besides resolve, refund and
-- slash (docs/BOUNTIES.md, "Scheduler"): paying the treasury its part of a final bounty
-- (`payTreasury`) and releasing an analyst's cooled-down unstake (`withdrawUnstakedFor`).

-- What the treasury is owed under the outcome a resolution or ruling states (the settlement's
-- `treasury_amount`: the fee, or an Invalid bounty's forfeited unrevealed stakes), stored with the
-- life-cycle input that carried it, so a retraction of the input takes it back too. NULL on other
-- inputs (and on resolutions stored before this column: those bounties are not paid by the
-- scheduler; `payTreasury` stays open to anyone).
ALTER TABLE bounty.lifecycle_inputs
    ADD COLUMN treasury_amount numeric(78, 0) CHECK (treasury_amount >= 0);

-- A confirmed `TreasuryPaid` of `payTreasury` (not the rounding dust a last claim sends): the
-- bounty's treasury part is paid, whoever sent the call; the scheduler asks no more.
CREATE TABLE bounty.treasury_payments (
    bounty_id   uuid PRIMARY KEY REFERENCES bounty.bounties (id),
    amount      numeric(78, 0) NOT NULL CHECK (amount >= 0),
    at          bigint NOT NULL CHECK (at >= 0),
    envelope_id uuid NOT NULL UNIQUE
);

-- Every confirmed `UnstakeRequested`: the account's latest one (by log position) says how much
-- cools down and until when (a second request restarts the cooldown for all of it).
CREATE TABLE bounty.unstake_requests (
    envelope_id     uuid PRIMARY KEY,
    account         bytea NOT NULL CHECK (octet_length(account) = 20),
    amount          numeric(78, 0) NOT NULL CHECK (amount >= 0),
    total_unstaking numeric(78, 0) NOT NULL CHECK (total_unstaking >= 0),
    unlock_time     bigint NOT NULL CHECK (unlock_time >= 0),
    block_number    bigint NOT NULL CHECK (block_number >= 0),
    log_index       bigint NOT NULL CHECK (log_index >= 0)
);
CREATE INDEX unstake_requests_latest
    ON bounty.unstake_requests (account, block_number DESC, log_index DESC);

-- The relayed `withdrawUnstakedFor` asked for one cooldown (account and unlock time): one per
-- cooldown, whoever asked (the scheduler or `POST /v1/bounties/unstakes/withdrawals`).
CREATE TABLE bounty.unstake_withdrawals (
    account        bytea NOT NULL CHECK (octet_length(account) = 20),
    unlock_time    bigint NOT NULL CHECK (unlock_time >= 0),
    transaction_id uuid NOT NULL REFERENCES bounty.transactions (id),
    PRIMARY KEY (account, unlock_time)
);
