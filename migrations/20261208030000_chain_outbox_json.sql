-- nexus-chain-listener backfill speed (docs/CHAIN_LISTENER.md, "Backfill benchmark"): the chain
-- schema's outbox keeps each envelope as `json` (its text, checked on input) instead of `jsonb`
-- (parsed into a binary tree on input). A backfill writes one envelope per event, thousands per
-- range, and nothing queries inside them: the relay reads each envelope whole and decodes it
-- itself (`serde_json::Value` reads `json` as well as `jsonb`), and `Outbox::enqueue`'s `jsonb`
-- parameter is converted on assignment. Measured here for 2,000 envelopes of ~620 bytes: the
-- conversion to `jsonb` was 40-50% of the outbox write. The other schemas keep `jsonb`.
ALTER TABLE chain.outbox ALTER COLUMN envelope TYPE json USING envelope::json;
