-- The users schema, owned by nexus-user alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS users;
SELECT public.nexus_create_bus_tables('users');
