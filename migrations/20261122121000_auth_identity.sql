-- nexus-auth: second factors, API keys, versioned Cedar policies and the audit log.
-- Refresh tokens, MFA challenges and brute-force counters live in Redis (they expire by TTL).

-- One TOTP secret per user; confirmed_at is NULL while the enrolment awaits its first code.
-- last_used_step is the RFC 6238 time step of the last accepted code: a code is accepted only
-- for a later step, so no code works twice.
CREATE TABLE auth.totp_secrets (
    user_id uuid PRIMARY KEY,
    secret bytea NOT NULL CHECK (length(secret) BETWEEN 16 AND 64),
    confirmed_at timestamptz,
    last_used_step bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes, stored as HMAC-SHA256 under the server secret; used_at marks the one use.
CREATE TABLE auth.recovery_codes (
    user_id uuid NOT NULL REFERENCES auth.totp_secrets (user_id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- API keys: the key is shown once; key_hash is HMAC-SHA256 of it under the server secret.
CREATE TABLE auth.api_keys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix text NOT NULL CHECK (length(prefix) BETWEEN 4 AND 16),
    key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
    scopes text[] NOT NULL,
    roles text[] NOT NULL,
    tier text NOT NULL CHECK (tier IN ('standard', 'engine', 'unlimited')),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX api_keys_user_idx ON auth.api_keys (user_id, created_at DESC);

-- Published Cedar policy sets; the highest version is active. Version 1 is seeded from the
-- policies shipped with nexus-policy when the table is empty.
CREATE TABLE auth.policy_versions (
    version bigint PRIMARY KEY CHECK (version >= 1),
    digest text NOT NULL CHECK (length(digest) = 64),
    sources jsonb NOT NULL,
    comment text CHECK (length(comment) <= 500),
    published_by text,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Security-relevant events, newest first by id (UUIDv7).
CREATE TABLE auth.audit_log (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    actor text,
    subject text,
    ip text,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_kind_idx ON auth.audit_log (kind, id DESC);
CREATE INDEX audit_log_subject_idx ON auth.audit_log (subject, id DESC);
