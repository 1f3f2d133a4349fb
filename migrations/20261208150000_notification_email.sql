-- E-mail (docs/NOTIFICATIONS.md, "E-mail"): the queue the sender drains, the digest's pending
-- notices, and what the service learnt about each address (bounces).
--
-- email_messages: one row per mail to send. A notice's mail is written by `enqueue_email` in the
-- transaction that records the notice (so a notice is mailed once, or not at all if it rolls
-- back); `notice_id` is unique so a redelivered source event cannot queue a second mail. Digest
-- mails have `digest_day` (one per user and day), password-reset mails `reset_id` (one per reset).
-- The recipient's address is resolved at send time from nexus-user (it may change between the
-- event and the send; a reset mail carries the address the reset was requested for).
-- `payload` is what the templates render (the notice, the digest's notices, or the reset's
-- expiry); the reset token itself is never stored: the sender asks nexus-user for it just before
-- sending.
--
-- status: queued (waiting for next_attempt_at) -> sending (claimed; lease_until bounds the claim,
-- so a killed sender's claims come back) -> sent | failed (retries exhausted, or the address is
-- suppressed) | bounced (the SMTP server refused the recipient permanently, 5xx).
-- last_error never holds credentials (the SMTP password is never part of an error text).
CREATE TABLE notification.email_messages (
    id               uuid PRIMARY KEY,
    notice_id        uuid UNIQUE,
    kind             text NOT NULL CHECK (kind <> ''),
    user_id          uuid NOT NULL,
    digest_day       date,
    reset_id         text UNIQUE,
    to_address       text CHECK (to_address IS NULL OR length(to_address) <= 254),
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL,
    lease_until      timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    message_id       text,
    UNIQUE (user_id, digest_day),
    CHECK ((status = 'sending') = (lease_until IS NOT NULL)),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- The sender's claim: due rows, oldest first.
CREATE INDEX email_messages_due_idx ON notification.email_messages (next_attempt_at)
    WHERE status IN ('queued', 'sending');
-- The per-recipient rate limit counts recent sends to an address.
CREATE INDEX email_messages_recipient_sent_idx ON notification.email_messages (to_address, sent_at)
    WHERE status = 'sent';

-- Notices whose user chose the daily digest: they wait here until the digest worker collects
-- every pending notice of a user into one digest mail (digest_id set in the same transaction).
CREATE TABLE notification.email_digest_items (
    notice_id   uuid PRIMARY KEY,
    user_id     uuid NOT NULL,
    notice      jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    digest_id   uuid REFERENCES notification.email_messages (id)
);
CREATE INDEX email_digest_items_pending_idx ON notification.email_digest_items (user_id, created_at)
    WHERE digest_id IS NULL;

-- Per address: permanent refusals (SMTP 5xx) counted; after `email.max_bounces` the address is
-- suppressed and no more mail goes to it (its queued mails fail with a last_error that says so).
CREATE TABLE notification.email_addresses (
    address            text PRIMARY KEY CHECK (length(address) <= 254),
    bounces            integer NOT NULL DEFAULT 0 CHECK (bounces >= 0),
    last_bounce_at     timestamptz,
    last_bounce_error  text,
    suppressed_at      timestamptz
);
