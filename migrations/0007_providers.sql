-- A job spread over several image providers: `generation_jobs.providers` lists them in the
-- request's order (variants are assigned round robin; a provider that keeps failing hands its
-- remaining variants to the next one). `variants.provider` is the provider asked for the
-- variant's image, `variants.reroutes` the moves away from failing ones
-- ([{"from", "to", "reason"}]). Jobs planned before this migration had one provider: it is
-- copied into both.

ALTER TABLE generation_jobs ADD COLUMN providers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(providers));
ALTER TABLE variants ADD COLUMN provider TEXT;
ALTER TABLE variants ADD COLUMN reroutes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reroutes));

UPDATE generation_jobs SET providers = json_array(provider) WHERE providers = '[]';
UPDATE variants SET provider = (SELECT g.provider FROM generation_jobs g WHERE g.job_id = variants.job_id)
    WHERE provider IS NULL;
