-- The bounty schema, owned by nexus-bounty alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS bounty;
SELECT public.nexus_create_bus_tables('bounty');
