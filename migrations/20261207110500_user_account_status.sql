-- nexus-user: account status (active, banned, disabled), the per-account token revocation mark
-- and password reset tokens.

-- banned accounts sign in read-only (Cedar's banned-read-only forbid); disabled ones not at all.
ALTER TABLE users.accounts DROP CONSTRAINT accounts_status_check;
ALTER TABLE users.accounts ADD CONSTRAINT accounts_status_check
    CHECK (status IN ('active', 'banned', 'disabled'));

-- Every token and session of the account issued before this instant is void (status or role
-- change, password change or reset, sign-out everywhere). The durable source of the revocation
-- marks the gateways hold in memory (nexus_runtime::revocation); NULL: never revoked.
ALTER TABLE users.accounts ADD COLUMN tokens_not_before timestamptz;
CREATE INDEX accounts_tokens_not_before_idx ON users.accounts (tokens_not_before)
    WHERE tokens_not_before IS NOT NULL;

-- Password reset tokens: 256 random bits mailed to the account's address, stored only as
-- SHA-256, usable once before expires_at.
CREATE TABLE users.password_resets (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    uuid        NOT NULL REFERENCES users.accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_id_idx ON users.password_resets (user_id, created_at DESC);
