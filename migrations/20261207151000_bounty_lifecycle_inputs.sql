-- The confirmed chain events each bounty's life cycle has applied, in the order it applied them
-- (nexus-bounty's chain-event consumer; docs/BOUNTIES.md). The bounty's phase and counts in
-- bounty.bounties are a projection of these rows: the consumer rebuilds
-- nexus_core::bounty::Lifecycle from them, applies the next event and stores both in one
-- transaction with the event's inbox row, so each envelope moves a bounty once.
--
-- Columns by kind:
--   opened          chain_bounty_id, first_deadline (assertion), second_deadline (reveal)
--   committed       analyst, stake
--   revealed        analyst, verdict
--   resolved        outcome, first_deadline (dispute)
--   dispute_opened  first_deadline (arbitration)
--   dispute_decided outcome
--   claimed         analyst
--   creator_refunded (nothing more)
-- `at` is the block timestamp (unix seconds) of the event's log.
CREATE TABLE bounty.lifecycle_inputs (
    bounty_id       uuid NOT NULL REFERENCES bounty.bounties (id),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CHECK (kind IN ('opened', 'committed', 'revealed', 'resolved',
                                                  'dispute_opened', 'dispute_decided', 'claimed',
                                                  'creator_refunded')),
    chain_bounty_id bigint CHECK (chain_bounty_id > 0),
    analyst         bytea CHECK (octet_length(analyst) = 20),
    stake           numeric(39, 0) CHECK (stake > 0),
    verdict         text CHECK (verdict IN ('benign', 'malicious')),
    outcome         text CHECK (outcome IN ('benign', 'malicious', 'invalid')),
    first_deadline  bigint CHECK (first_deadline >= 0),
    second_deadline bigint CHECK (second_deadline >= 0),
    at              bigint NOT NULL CHECK (at >= 0),
    PRIMARY KEY (bounty_id, seq)
);
