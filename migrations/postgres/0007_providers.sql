-- A job spread over several image providers (see ../0007_providers.sql, the SQLite twin):
-- `generation_jobs.providers`, `variants.provider` and `variants.reroutes`, with the jobs planned
-- before it given their one provider; `generation_jobs.cost_estimate` and `generated_images.cost`
-- (USD); `generated_images.tags` (a zero-shot tagger's reading). Runs under the system scope (the migration runner sets it),
-- so the row security of 0006 lets the backfill see every user's rows.

ALTER TABLE generation_jobs ADD COLUMN providers JSONB NOT NULL DEFAULT '[]';
ALTER TABLE generation_jobs ADD COLUMN cost_estimate DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE generated_images ADD COLUMN cost DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE generated_images ADD COLUMN tags JSONB NOT NULL DEFAULT '[]';
ALTER TABLE variants ADD COLUMN provider TEXT;
ALTER TABLE variants ADD COLUMN reroutes JSONB NOT NULL DEFAULT '[]';

UPDATE generation_jobs SET providers = jsonb_build_array(provider) WHERE providers = '[]'::jsonb;
UPDATE variants SET provider = (SELECT g.provider FROM generation_jobs g WHERE g.job_id = variants.job_id)
    WHERE provider IS NULL;
