-- nexus-auth: the addresses each account has signed in from, so a sign-in from a new one can be
-- told to the owner (AccountSecurityEvent new_sign_in_address). Only a SHA-256 of
-- (account id, address) is kept, not the address: the table answers "seen before?" and nothing
-- else, and one account's hashes cannot be matched with another's. (The address space is small
-- enough to search, so this is minimisation, not secrecy; the audit log keeps the address
-- itself under its own retention.)
CREATE TABLE auth.sign_in_addresses (
    user_id uuid NOT NULL,
    address_hash bytea NOT NULL CHECK (length(address_hash) = 32),
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, address_hash)
);
