-- The auth schema, owned by nexus-auth alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS auth;
SELECT public.nexus_create_bus_tables('auth');
