-- nexus-user: accounts, profiles, wallets, Ed25519 WebSocket keys and referrals (schema users).
-- Constraint names are mapped to error codes in services/nexus-user/src/store/; keep them stable.

CREATE TABLE users.accounts (
    id            uuid        PRIMARY KEY,
    -- Normalised (trimmed, lower-cased) by the service before it gets here.
    email         text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    username      text        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$'),
    -- PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash text        NOT NULL CHECK (char_length(password_hash) <= 512),
    role          text        NOT NULL DEFAULT 'user'
                              CHECK (role IN ('guest', 'user', 'analyst', 'admin')),
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    referral_code text        NOT NULL CHECK (referral_code ~ '^[A-Z2-7]{10}$'),
    -- Public profile.
    display_name  text        CHECK (char_length(display_name) <= 64),
    bio           text        CHECK (char_length(bio) <= 500),
    avatar_url    text        CHECK (char_length(avatar_url) <= 512),
    website       text        CHECK (char_length(website) <= 512),
    -- Private profile.
    full_name     text        CHECK (char_length(full_name) <= 128),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_email_key UNIQUE (email),
    CONSTRAINT accounts_referral_code_key UNIQUE (referral_code)
);

-- Usernames are unique regardless of case; the index name is the constraint the service maps.
CREATE UNIQUE INDEX accounts_username_key ON users.accounts (lower(username));

-- An address links to one account only (stored lower-case, shown checksummed).
CREATE TABLE users.wallets (
    address   text        NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
    user_id   uuid        NOT NULL REFERENCES users.accounts (id) ON DELETE CASCADE,
    chain_id  bigint      NOT NULL CHECK (chain_id > 0),
    linked_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallets_address_key PRIMARY KEY (address)
);
CREATE INDEX wallets_user_id_idx ON users.wallets (user_id);

-- Revoked keys stay for audit; only active keys must be unique.
CREATE TABLE users.ws_keys (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users.accounts (id) ON DELETE CASCADE,
    public_key text        NOT NULL CHECK (public_key ~ '^[0-9a-f]{64}$'),
    label      text        CHECK (char_length(label) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE UNIQUE INDEX ws_keys_active_public_key_key ON users.ws_keys (public_key)
    WHERE revoked_at IS NULL;
CREATE INDEX ws_keys_user_id_idx ON users.ws_keys (user_id);

-- One referrer per referred account.
CREATE TABLE users.referrals (
    referred_id  uuid        PRIMARY KEY REFERENCES users.accounts (id) ON DELETE CASCADE,
    referrer_id  uuid        NOT NULL REFERENCES users.accounts (id) ON DELETE CASCADE,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CHECK (referrer_id <> referred_id)
);
CREATE INDEX referrals_referrer_id_idx ON users.referrals (referrer_id, created_at DESC);
