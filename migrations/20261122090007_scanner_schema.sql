-- The scanner schema, owned by nexus-scanner alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS scanner;
SELECT public.nexus_create_bus_tables('scanner');
