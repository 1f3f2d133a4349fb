-- Retrohunts re-check their owner (issue 13): a hunt reads samples as its owner, so before each
-- chunk it asks whether the owner's role or status changed since it last knew them. The owner's
-- role is kept in owner_role; owner_checked_at is the instant up to which owner_role (and an
-- active status) is known to be current: the owner's token's issue time at creation, then the
-- time of each re-read from nexus-user. A revocation mark of the owner's account later than it
-- (a role or status change, docs/AUTHORIZATION.md) makes the next chunk read the account again.
-- Hunts created before this column existed start at the epoch, so any mark makes them re-read.
ALTER TABLE analysis.retrohunts
    ADD COLUMN owner_checked_at timestamptz NOT NULL DEFAULT 'epoch';
