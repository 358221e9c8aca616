-- Image providers: a job spread over several, and what images cost.
--
-- A job spread over several image providers: `generation_jobs.providers` lists them in the
-- request's order (variants are assigned round robin; a provider that keeps failing hands its
-- remaining variants to the next one). `variants.provider` is the provider asked for the
-- variant's image, `variants.reroutes` the moves away from failing ones
-- ([{"from", "to", "reason"}]). Jobs planned before this migration had one provider: it is
-- copied into both.
--
-- Costs (USD, at the deployment's prices): `generation_jobs.cost_estimate` is what the job may
-- cost, counted against the user's daily budget when it was accepted; `generated_images.cost` is
-- what each image cost. Earlier jobs and images cost nothing (only the sketch renderer existed).
--
-- `generated_images.tags`: what a zero-shot tagger (a CLIP embedder) saw in an image whose model
-- cannot say what it drew ([{"category", "value", "score"}]); `drawn` then holds their values.

ALTER TABLE generation_jobs ADD COLUMN providers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(providers));
ALTER TABLE generation_jobs ADD COLUMN cost_estimate REAL NOT NULL DEFAULT 0;
ALTER TABLE generated_images ADD COLUMN cost REAL NOT NULL DEFAULT 0;
ALTER TABLE generated_images ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags));
ALTER TABLE variants ADD COLUMN provider TEXT;
ALTER TABLE variants ADD COLUMN reroutes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reroutes));

UPDATE generation_jobs SET providers = json_array(provider) WHERE providers = '[]';
UPDATE variants SET provider = (SELECT g.provider FROM generation_jobs g WHERE g.job_id = variants.job_id)
    WHERE provider IS NULL;
