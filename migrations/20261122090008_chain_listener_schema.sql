-- The chain schema, owned by nexus-chain-listener alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS chain;
SELECT public.nexus_create_bus_tables('chain');
