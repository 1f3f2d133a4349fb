-- nexus-analysis: who uploaded each sample and who may read it (docs/AUTHORIZATION.md,
-- "Samples and analyses"), rulesets' listing, and retrohunts that scan only what their owner
-- may read, with quotas.

-- One row per (sample, uploader). Several accounts may upload the same bytes; each chooses
-- private (default) or public. Uploading again may make one's upload public, never private
-- again (a published sample may already have been read).
CREATE TABLE analysis.uploads (
    sha256 text NOT NULL REFERENCES analysis.samples (sha256) ON DELETE CASCADE,
    user_id text NOT NULL,
    visibility text NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    first_uploaded_at timestamptz NOT NULL DEFAULT now(),
    last_uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, user_id)
);
-- "Is the caller an uploader of this sample" for many samples at once (similar lists, hunts).
CREATE INDEX uploads_user_idx ON analysis.uploads (user_id, sha256);

-- is_public: some uploader chose public (kept with the upload, in the same transaction).
-- is_bounty_artifact: a bounty names the sample as its artifact, so analysts may read it. The
-- bounty service will set it (through an internal call or event, not built yet); nothing sets
-- it today, so it is false everywhere.
ALTER TABLE analysis.samples
    ADD COLUMN is_public boolean NOT NULL DEFAULT false,
    ADD COLUMN is_bounty_artifact boolean NOT NULL DEFAULT false;

-- Samples stored before this migration: their submitters become private uploaders.
INSERT INTO analysis.uploads (sha256, user_id, first_uploaded_at, last_uploaded_at)
SELECT sha256, submitted_by, min(created_at), max(created_at)
FROM analysis.analyses
GROUP BY sha256, submitted_by
ON CONFLICT DO NOTHING;

-- Rulesets are private to their author unless published (nothing publishes yet).
ALTER TABLE analysis.rulesets ADD COLUMN is_public boolean NOT NULL DEFAULT false;

-- owner_role: the owner's role when the hunt was created; the hunt reads samples as that
-- principal (a later promotion does not widen a running hunt).
-- ruleset_id: the stored ruleset it hunts with, if any.
-- skipped: samples whose scan ran out of its time budget or failed.
-- bytes_scanned and bytes_budget: what the hunt scanned, and the most it may scan (what was
-- left of the owner's daily quota when it was created).
ALTER TABLE analysis.retrohunts
    ADD COLUMN owner_role text NOT NULL DEFAULT 'user',
    ADD COLUMN ruleset_id bigint REFERENCES analysis.rulesets (id),
    ADD COLUMN skipped bigint NOT NULL DEFAULT 0,
    ADD COLUMN bytes_scanned bigint NOT NULL DEFAULT 0,
    ADD COLUMN bytes_budget bigint NOT NULL DEFAULT 9223372036854775807;
-- Daily quotas: an owner's hunts of the last day.
CREATE INDEX retrohunts_owner_created_idx ON analysis.retrohunts (owner, created_at);
