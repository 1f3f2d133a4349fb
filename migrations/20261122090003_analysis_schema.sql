-- The analysis schema, owned by nexus-analysis alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS analysis;
SELECT public.nexus_create_bus_tables('analysis');
