-- When a job last showed progress (a worker moved its analysis to a stage, or the
-- reconciliation loop queued it again). The reconciliation loop only looks at analyses and
-- retrohunts idle for longer than `analysis.jobs.reconcile_after`, so a job a worker is
-- busy with is never queued a second time.
ALTER TABLE analysis.analyses ADD COLUMN progressed_at timestamptz;
ALTER TABLE analysis.retrohunts ADD COLUMN progressed_at timestamptz;
CREATE INDEX analyses_unfinished_idx ON analysis.analyses (coalesce(progressed_at, created_at))
    WHERE status IN ('queued', 'running');
