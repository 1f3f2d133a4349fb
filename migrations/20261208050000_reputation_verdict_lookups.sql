-- nexus-reputation: the lookups of the file verdict (GET /v1/files/{sha256}/verdict,
-- docs/REPUTATION.md "The verdict endpoint"): the bounties that named a file, and every reveal
-- of a given analyst (the agreement table of the file's analysts is a self-join on those).
-- Partial expression indexes over the stored chain facts (payload = {"name", "payload"}).
CREATE INDEX chain_inputs_opened_by_artifact
    ON reputation.chain_inputs ((lower(payload->'payload'->>'artifact_hash')))
    WHERE name = 'BountyOpened';
CREATE INDEX chain_inputs_reveals_by_analyst
    ON reputation.chain_inputs ((lower(payload->'payload'->>'analyst')), bounty_id)
    WHERE name = 'AssertionRevealed';
