-- nexus-analysis: samples (content-addressed by SHA-256), analyses, the similarity indexes,
-- user YARA rulesets and retrohunts. Everything lives in the analysis schema.

-- One row per distinct sample. The bytes live in the sample store (local directory or S3);
-- the hashes below are filled in by the first analysis.
CREATE TABLE analysis.samples (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint NOT NULL CHECK (size >= 0),
    md5 text,
    sha1 text,
    ssdeep text,
    tlsh text,
    imphash text,
    file_type text,
    upload_count bigint NOT NULL DEFAULT 1,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);
-- Equal-imphash lookups.
CREATE INDEX samples_imphash_idx ON analysis.samples (imphash) WHERE imphash IS NOT NULL;

CREATE TABLE analysis.analyses (
    id uuid PRIMARY KEY,
    sha256 text NOT NULL REFERENCES analysis.samples (sha256),
    submitted_by text NOT NULL,
    ruleset_version text NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'partial', 'failed')),
    stage text,
    verdict text,
    score smallint,
    report jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    completed_at timestamptz
);
-- The same bytes under the same rules are analysed once: a second upload finds this row.
CREATE UNIQUE INDEX analyses_once_per_rules_idx ON analysis.analyses (sha256, ruleset_version)
    WHERE status <> 'failed';
CREATE INDEX analyses_latest_idx ON analysis.analyses (sha256, created_at DESC);
-- Queue depth (queued + running) without scanning finished rows.
CREATE INDEX analyses_open_idx ON analysis.analyses (status) WHERE status IN ('queued', 'running');

-- ssdeep candidate index: one row per (block size, 7-gram of the normalised hash part) of a
-- sample. Two ssdeep hashes score above 0 only if they share such a key, so a lookup by key
-- finds every candidate through the primary key's btree.
CREATE TABLE analysis.ssdeep_ngrams (
    block_size bigint NOT NULL,
    ngram bigint NOT NULL,
    sha256 text NOT NULL REFERENCES analysis.samples (sha256) ON DELETE CASCADE,
    PRIMARY KEY (block_size, ngram, sha256)
);
CREATE INDEX ssdeep_ngrams_sample_idx ON analysis.ssdeep_ngrams (sha256);

-- TLSH candidate index (locality-sensitive hashing by banding): the 64-digit body cut into 16
-- bands of 4 digits; digests sharing any band are candidates.
CREATE TABLE analysis.tlsh_bands (
    band smallint NOT NULL,
    value text NOT NULL,
    sha256 text NOT NULL REFERENCES analysis.samples (sha256) ON DELETE CASCADE,
    PRIMARY KEY (band, value, sha256)
);
CREATE INDEX tlsh_bands_sample_idx ON analysis.tlsh_bands (sha256);

-- User YARA rulesets. The highest id is the user part of the rules version.
CREATE TABLE analysis.rulesets (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_]{1,64}$'),
    owner text NOT NULL,
    source text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE analysis.retrohunts (
    id uuid PRIMARY KEY,
    owner text NOT NULL,
    source text NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    total bigint NOT NULL DEFAULT 0,
    scanned bigint NOT NULL DEFAULT 0,
    -- Samples are scanned in sha256 order; the cursor is the last one scanned, so a retrohunt
    -- resumes where it stopped after a crash.
    cursor_sha256 text NOT NULL DEFAULT '',
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);

CREATE TABLE analysis.retrohunt_matches (
    retrohunt_id uuid NOT NULL REFERENCES analysis.retrohunts (id) ON DELETE CASCADE,
    sha256 text NOT NULL,
    rules text[] NOT NULL,
    PRIMARY KEY (retrohunt_id, sha256)
);
