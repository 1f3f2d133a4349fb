-- Webhook endpoints, the messages queued for them and every delivery attempt (Standard Webhooks 1.0;
-- docs/NOTIFICATIONS.md, "Webhooks"). Owned by nexus-notification's webhook channel.

-- One row per endpoint a user registered. `secret` is the current `whsec_...` signing secret;
-- during a rotation's overlap window `previous_secret` still signs until `previous_secret_until`.
-- `event_types` empty means every kind of notice. `failing_since` is the first failed attempt of
-- the current unbroken run of failures (NULL once anything is delivered); the delivery worker
-- disables an endpoint whose run has lasted the configured number of days.
CREATE TABLE notification.webhook_endpoints (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    url text NOT NULL CHECK (length(url) <= 2048),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 512),
    event_types text[] NOT NULL DEFAULT '{}',
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_user ON notification.webhook_endpoints (user_id, id);

-- One row per (notice, endpoint): the body is frozen at enqueue (the exact bytes signed on every
-- attempt) and the `webhook-id` is `msg_<notice id>` on every attempt and replay, so receivers
-- deduplicate. `attempts` counts attempts of the current cycle (a replay starts a new cycle) and
-- picks the next delay from the published schedule. A claim sets `lease_until`; a worker killed
-- mid-delivery leaves the lease to run out and the message is claimed again.
CREATE TABLE notification.webhook_messages (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES notification.webhook_endpoints (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    notice_id uuid NOT NULL,
    event_type text NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until timestamptz,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    UNIQUE (endpoint_id, notice_id)
);
CREATE INDEX webhook_messages_due ON notification.webhook_messages (next_attempt_at)
    WHERE status = 'pending';

-- The delivery log: one row per attempt (status NULL when no HTTP answer came: the error code
-- says why), at most 1 KiB of the response kept.
CREATE TABLE notification.webhook_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id uuid NOT NULL REFERENCES notification.webhook_messages (id) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES notification.webhook_endpoints (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    delivered boolean NOT NULL,
    status_code integer,
    error_code text,
    latency_ms integer NOT NULL,
    response_excerpt text NOT NULL DEFAULT '' CHECK (octet_length(response_excerpt) <= 1024)
);
CREATE INDEX webhook_attempts_endpoint ON notification.webhook_attempts (endpoint_id, id DESC);
