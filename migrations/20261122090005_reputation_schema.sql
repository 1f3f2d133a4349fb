-- The reputation schema, owned by nexus-reputation alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS reputation;
SELECT public.nexus_create_bus_tables('reputation');
