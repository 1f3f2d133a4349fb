-- nexus-notification's core tables (docs/NOTIFICATIONS.md): the in-app inbox, preferences per
-- kind, the per-user settings (follow every upload, bounty interests), followed files and the last
-- verdict known for each followed file (so a change can say old -> new).

-- One row per notice shown in the inbox. `id` is a UUIDv7 (the cursor: newest first). A source
-- event makes at most one notice per user and kind: the unique key is what makes a redelivered
-- envelope (or a second consumer of the same event) a no-op even without the bus inbox.
CREATE TABLE notification.notices (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL,
    kind         text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body         text NOT NULL CHECK (length(body) <= 4000),
    link         text CHECK (length(link) <= 2048),
    data         jsonb NOT NULL DEFAULT '{}'::jsonb,
    source_event uuid NOT NULL,
    occurred_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz,
    UNIQUE (user_id, source_event, kind)
);
CREATE INDEX notices_inbox_idx ON notification.notices (user_id, id DESC);
CREATE INDEX notices_unread_idx ON notification.notices (user_id, id DESC) WHERE read_at IS NULL;

-- A user's choice for one kind; a kind without a row uses the defaults in
-- src/domain/preferences.rs. Security kinds keep in_app and email on whatever is stored.
CREATE TABLE notification.preferences (
    user_id    uuid NOT NULL,
    kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    in_app     boolean NOT NULL,
    email      boolean NOT NULL,
    webhook    boolean NOT NULL,
    digest     boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- Per-user settings that are not per kind: follow every file the user uploads, and what
-- `bounty.opened` notices match (artifact kinds; a minimum reward in wei). No row: defaults
-- (no upload following, no bounty interests).
CREATE TABLE notification.user_settings (
    user_id                 uuid PRIMARY KEY,
    follow_uploads          boolean NOT NULL DEFAULT false,
    interest_artifact_kinds text[] NOT NULL DEFAULT '{}',
    interest_min_reward     numeric(39, 0) CHECK (interest_min_reward >= 0),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_settings_interests_idx ON notification.user_settings
    USING gin (interest_artifact_kinds);

-- Files a user follows (explicitly, or because they uploaded it while following uploads).
-- Keyed by file first: the verdict fan-out reads every follower of one file.
CREATE TABLE notification.follows (
    sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    user_id    uuid NOT NULL,
    via        text NOT NULL CHECK (via IN ('explicit', 'upload')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, user_id)
);
CREATE INDEX follows_user_idx ON notification.follows (user_id, created_at DESC, sha256);

-- The last verdict the service learnt for a file (from an analysis or a resolved bounty), so the
-- next one can be compared: a change notifies every follower with old and new.
CREATE TABLE notification.file_verdicts (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    verdict      text NOT NULL CHECK (verdict IN ('benign', 'suspicious', 'malicious')),
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
    source_event uuid NOT NULL,
    updated_at   timestamptz NOT NULL
);
