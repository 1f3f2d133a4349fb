-- nexus-chain-listener backfill speed (docs/CHAIN_LISTENER.md, "Backfill benchmark"): a log row
-- is now inserted complete, its event's envelope id and name known before the insert, instead of
-- inserted and then updated; and the event's payload is stored once, in the outbox envelope,
-- not a second time on the log row.
--
-- What a retraction needs from a deleted log row is its position: everything was on the row
-- already except the block time, which was read from the stored payload. It gets a column of its
-- own (filled from the payload for rows written before this migration).
ALTER TABLE chain.logs ADD COLUMN block_time timestamptz;
UPDATE chain.logs SET block_time = (payload->'log'->>'block_time')::timestamptz
 WHERE payload IS NOT NULL;
ALTER TABLE chain.logs DROP COLUMN payload;

-- Block hashes are compared byte for byte ("C"): the primary key's comparisons no longer go
-- through the database's locale (the hashes are lower-case hex, so the order is the same).
ALTER TABLE chain.logs ALTER COLUMN block_hash TYPE text COLLATE "C";
