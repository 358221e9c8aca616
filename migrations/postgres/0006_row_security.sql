-- Row-level security: every table that holds a user's rows shows a session only that user's rows,
-- so that a statement that forgot its `user_id` filter still cannot read or write another user's.
--
-- The product connects as a role without superuser or BYPASSRLS (`bff_app`; superusers and
-- BYPASSRLS roles skip these policies) and says who it acts for before its statements
-- (bff_store::Connection::scope):
--   SELECT set_config('bff.user_id', <user>, false), set_config('bff.scope', '', false)
-- or, for work across users (the cron sweep, the daily rollup's user list, the queue, sign-in),
--   SELECT set_config('bff.user_id', '', false), set_config('bff.scope', 'system', false).
-- A session that has set neither sees no user rows at all (current_setting(..., true) is NULL).
-- FORCE applies the policies to the tables' owner too; migrations that touch user rows run under
-- the system scope (the migration runner sets it).
--
-- Tables without user rows have no policy: vlt_attributes (the taxonomy), coverage_config (its
-- default row, user_id NULL, is every user's), queue_messages (read under the system scope) and
-- schema_migrations.
--
-- Views are `security_invoker` (0002, 0004), so the policies apply through them.
--
-- The role `bff_app` must exist before this migration runs (the deployment creates it, as
-- bff_test_servers::PostgresServer does for tests).

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON users
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON api_tokens
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE generation_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE generation_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON generation_jobs
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE variants ENABLE ROW LEVEL SECURITY;
ALTER TABLE variants FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON variants
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE generated_images ENABLE ROW LEVEL SECURITY;
ALTER TABLE generated_images FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON generated_images
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE image_embeddings ENABLE ROW LEVEL SECURITY;
ALTER TABLE image_embeddings FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON image_embeddings
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE cluster_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE cluster_results FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON cluster_results
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE style_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE style_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON style_profiles
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE cluster_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE cluster_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON cluster_assignments
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE dpp_selection_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE dpp_selection_results FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON dpp_selection_results
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE dpp_picks ENABLE ROW LEVEL SECURITY;
ALTER TABLE dpp_picks FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON dpp_picks
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE coverage_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON coverage_reports
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE attribute_gaps ENABLE ROW LEVEL SECURITY;
ALTER TABLE attribute_gaps FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON attribute_gaps
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE user_boosts ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_boosts FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_boosts
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON dead_letters
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE user_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_feedback
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE outliers ENABLE ROW LEVEL SECURITY;
ALTER TABLE outliers FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON outliers
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE user_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_preferences
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE vlt_attribute_success ENABLE ROW LEVEL SECURITY;
ALTER TABLE vlt_attribute_success FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON vlt_attribute_success
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE style_profile_success ENABLE ROW LEVEL SECURITY;
ALTER TABLE style_profile_success FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON style_profile_success
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE learning_updates ENABLE ROW LEVEL SECURITY;
ALTER TABLE learning_updates FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON learning_updates
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE user_analytics_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_analytics_state FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON user_analytics_state
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE analytics_daily_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_totals FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON analytics_daily_totals
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE analytics_daily_attributes ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_attributes FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON analytics_daily_attributes
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

ALTER TABLE analytics_daily_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON analytics_daily_categories
    USING (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system')
    WITH CHECK (user_id = current_setting('bff.user_id', true) OR current_setting('bff.scope', true) = 'system');

-- The product's role reads and writes rows of every table and view, and only reads which
-- migrations ran; it creates, alters and drops nothing.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bff_app;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM bff_app;
