-- Which envelope of the chain listener carried each life-cycle input, so a reorganisation deeper
-- than the confirmation depth (ChainEventsRetracted, naming the envelope ids it takes back) undoes
-- exactly those inputs (nexus-bounty's read model; docs/BOUNTIES.md). Unique: an envelope is one
-- input. Nullable only for the type's sake; every input the consumer writes has one.
ALTER TABLE bounty.lifecycle_inputs ADD COLUMN envelope_id uuid UNIQUE;
