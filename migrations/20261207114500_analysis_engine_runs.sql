-- How many times the engine started on an analysis: 1 normally, 2 when the worker that ran it
-- died before committing and another redid it. Makes "analysed once" observable per analysis
-- (metrics restart with the process).
ALTER TABLE analysis.analyses ADD COLUMN engine_runs integer NOT NULL DEFAULT 0;
