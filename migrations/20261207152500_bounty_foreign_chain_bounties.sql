-- Chain bounties created outside the platform (a BountyOpened that matched no pending bounty of
-- nexus-bounty). Their later events are skipped; an event for a chain id that is neither here nor
-- on a platform bounty is waiting for its BountyOpened (delivered out of order) and is retried,
-- never dropped (nexus-bounty's read model; docs/BOUNTIES.md).
CREATE TABLE bounty.foreign_chain_bounties (
    chain_bounty_id bigint PRIMARY KEY CHECK (chain_bounty_id > 0),
    seen_at         timestamptz NOT NULL DEFAULT now()
);
