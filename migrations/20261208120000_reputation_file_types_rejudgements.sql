-- nexus-reputation: the file type and family tag of each file bounty's artifact (asked of
-- nexus-analysis by the `file-types` worker, so a replay never needs the call), and the
-- re-judgements at 30 and 90 days after settlement (docs/REPUTATION.md, "Re-judgement").

-- One row per bounty on a file, created pending by the consumer when the bounty's opening names
-- a file. A file bounty's assertions are scored only once its type is known: analysis being down
-- delays them, it never scores them as `other` by default.
CREATE TABLE reputation.file_types (
    bounty_id   bigint PRIMARY KEY CHECK (bounty_id >= 0),
    -- The artifact's SHA-256, 64 lower-case hex digits.
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- The reputation file type (pe, elf, macho, document, script, archive, other); NULL while
    -- pending.
    file_type   text,
    -- The normalised family tag, when the analysis has one.
    family      text,
    -- Where the type came from: `analysis` (the summary's type), `unknown_to_analysis` (analysis
    -- does not hold the file: `other`), `never_analysed` (held but never typed after
    -- every attempt: `other`). NULL while pending.
    source      text CHECK (source IN ('analysis', 'unknown_to_analysis', 'never_analysed')),
    -- When the `file-types` worker asks next; NULL once known. Also its lease.
    next_check  timestamptz DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    known_at    timestamptz,
    CHECK ((file_type IS NULL) = (next_check IS NOT NULL))
);
CREATE INDEX file_types_due ON reputation.file_types (next_check) WHERE next_check IS NOT NULL;

-- Each settled bounty is looked at once per milestone (30 and 90 days after it settled): the
-- ground truth then, the evidence it came from and, when it differed from the outcome in force,
-- the outcome the bounty's assertions are scored under from then on.
CREATE TABLE reputation.rejudgements (
    bounty_id      bigint NOT NULL CHECK (bounty_id >= 0),
    milestone_days integer NOT NULL CHECK (milestone_days IN (30, 90)),
    checked_at     timestamptz NOT NULL,
    -- The outcome in force when checked: benign, malicious, invalid.
    outcome_before text NOT NULL,
    -- The ground truth found (benign, malicious), NULL when no evidence was found.
    ground_truth   text,
    -- What decided it, for people: `later_bounty 42`, `analysis malicious 90`, `none`.
    evidence       text NOT NULL,
    -- Set when the ground truth differed from `outcome_before`: the bounty is re-scored under it.
    new_outcome    text,
    PRIMARY KEY (bounty_id, milestone_days)
);
CREATE INDEX assertions_by_artifact ON reputation.assertions (artifact_hash, settled_at);
