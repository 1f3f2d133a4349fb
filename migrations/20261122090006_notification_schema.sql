-- The notification schema, owned by nexus-notification alone, with its outbox and inbox.
CREATE SCHEMA IF NOT EXISTS notification;
SELECT public.nexus_create_bus_tables('notification');
