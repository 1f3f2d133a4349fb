-- Comments on bounties (nexus-bounty; docs/BOUNTIES.md, "Comments"): plain text, never
-- interpreted as markup; the service trims it and refuses control characters, the check below
-- bounds what any writer can store. A deleted comment keeps its row (who deleted it, when) and is
-- no longer listed.
CREATE TABLE bounty.comments (
    id          uuid PRIMARY KEY,
    bounty_id   uuid NOT NULL REFERENCES bounty.bounties (id),
    author_id   text NOT NULL CHECK (author_id <> '' AND length(author_id) <= 128),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    deleted_by  text CHECK (length(deleted_by) <= 128),
    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))
);
-- The list: a bounty's comments oldest first (ids are UUIDv7, so by time), keyset on the id.
CREATE INDEX comments_bounty_idx ON bounty.comments (bounty_id, id) WHERE deleted_at IS NULL;
