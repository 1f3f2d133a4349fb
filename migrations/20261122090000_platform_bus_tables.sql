-- Shared building block for every service schema: the transactional outbox and the consumer inbox.
--
-- outbox: an event row is written in the same transaction as the state change it announces and
--         relayed to Redis by the owning service (nexus-runtime's outbox relay); published_at marks
--         rows already relayed. A crash between publishing and marking republishes the same
--         envelope id, which consumers deduplicate through their inbox.
-- inbox:  one row per (consumer group, event id) a consumer has applied, inserted in the same
--         transaction as the consumer's effect, so a redelivered event is recognised and skipped.
CREATE OR REPLACE FUNCTION public.nexus_create_bus_tables(target_schema text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.outbox (
        id uuid PRIMARY KEY,
        stream text NOT NULL CHECK (length(stream) BETWEEN 1 AND 200),
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_error text
    )', target_schema);
    EXECUTE format('CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON %I.outbox (created_at)
        WHERE published_at IS NULL', target_schema);
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )', target_schema);
END;
$$;
