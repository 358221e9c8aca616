//! [`SqlStore`]: `bff_pipeline::ports::JobStore` over any [`Connection`]. The SQL is in
//! [`crate::sql`]; rows are read back by [`crate::rows`]. Transactions are the connection's
//! (all statements or none).

use bff_domain::AttributeValue;
use bff_pipeline::budget::{self, DailyLimit};
use bff_pipeline::ports::{
    encode_vector, AttributeGapRow, ClusterAssignmentRow, ClusterResultRow, CoverageReportRow,
    EmbeddingRow, ImageRow, JobCreation, JobProgress, JobRow, JobStatus, JobStore, PickRow,
    PortError, PreferenceRow, Reroute, SelectionRow, StyleProfileRow, UserBoostRow, VariantRow,
    VariantStatus,
};
use bff_pipeline::{JobKey, Timestamp};
use serde::Deserialize;
use serde_json::Value;

use crate::connection::{Connection, Dialect, Param, Scope, SqlError, Statement};
use crate::rows::{self, enum_text, json_text, Columns};
use crate::sql::{self, Sql};

/// The pipeline's state (jobs, images, clusters, selections, coverage, feedback, learning,
/// analytics, users and tokens) in one SQL database.
pub struct SqlStore<C> {
    conn: C,
}

pub(crate) fn port(e: SqlError) -> PortError {
    PortError::new("job store", e.0)
}

impl<C: Connection> SqlStore<C> {
    pub fn new(conn: C) -> Self {
        Self { conn }
    }

    pub fn connection(&self) -> &C {
        &self.conn
    }

    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The statement's text in this store's dialect.
    pub(crate) fn pick(&self, sql: &Sql) -> &'static str {
        sql.text(self.conn.dialect())
    }

    /// Acts for `user_id` from now on (row-level security on Postgres).
    pub(crate) async fn scope(&self, user_id: &str) -> Result<(), PortError> {
        self.conn.scope(Scope::User(user_id)).await.map_err(port)
    }

    /// Acts across users from now on (the sweep, the rollup's user list, sign-in).
    pub(crate) async fn scope_system(&self) -> Result<(), PortError> {
        self.conn.scope(Scope::System).await.map_err(port)
    }

    pub(crate) fn stmt(&self, sql: &str, params: &[Param]) -> Result<Statement, PortError> {
        Ok(Statement {
            sql: sql.to_string(),
            params: params.to_vec(),
        })
    }

    pub(crate) async fn exec(&self, sql: &str, params: &[Param]) -> Result<u64, PortError> {
        self.conn.execute(sql, params).await.map_err(port)
    }

    pub(crate) async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<u64>, PortError> {
        self.conn.transaction(&statements).await.map_err(port)
    }

    /// The rows of a query as JSON objects.
    pub(crate) async fn raw(&self, sql: &str, params: &[Param]) -> Result<Vec<Value>, PortError> {
        Ok(self
            .conn
            .query(sql, params)
            .await
            .map_err(port)?
            .into_iter()
            .map(Value::Object)
            .collect())
    }

    async fn one<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        columns: &Columns,
        sql: &str,
        params: &[Param],
    ) -> Result<Option<T>, PortError> {
        match self.raw(sql, params).await?.into_iter().next() {
            Some(row) => rows::decode(table, columns, row).map(Some),
            None => Ok(None),
        }
    }

    async fn many<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        columns: &Columns,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<T>, PortError> {
        self.raw(sql, params)
            .await?
            .into_iter()
            .map(|row| rows::decode(table, columns, row))
            .collect()
    }

    /// Row counts of one job's tables (and the user's boosts), for checks and the dev routes.
    pub async fn row_counts(&self, key: &JobKey) -> Result<Value, PortError> {
        self.scope(&key.user_id).await?;
        Ok(self
            .raw(
                self.pick(&sql::JOB_ROW_COUNTS),
                &[key.job_id.as_str().into(), key.user_id.as_str().into()],
            )
            .await?
            .into_iter()
            .next()
            .unwrap_or(Value::Null))
    }

    fn variant_statement(&self, v: &VariantRow) -> Result<Statement, PortError> {
        let seed = v.seed.to_string();
        let model = enum_text(&v.model)?;
        let attributes = json_text(&v.attributes)?;
        let prompt = json_text(&v.prompt)?;
        let boosts = json_text(&v.boosts_applied)?;
        let reroutes = json_text(&v.reroutes)?;
        self.stmt(
            sql::INSERT_VARIANT,
            &[
                v.job_id.as_str().into(),
                v.user_id.as_str().into(),
                v.variant.into(),
                v.image_id.as_str().into(),
                v.status.as_str().into(),
                seed.as_str().into(),
                model.as_str().into(),
                attributes,
                prompt,
                boosts,
                v.error.as_deref().into(),
                v.created_at.as_str().into(),
                v.updated_at.as_str().into(),
                v.provider.as_str().into(),
                reroutes,
            ],
        )
    }

    fn move_variant(
        &self,
        key: &JobKey,
        variant: u32,
        from: VariantStatus,
        to: VariantStatus,
        now: &Timestamp,
    ) -> Result<Statement, PortError> {
        self.stmt(
            sql::MOVE_VARIANT,
            &[
                key.job_id.as_str().into(),
                key.user_id.as_str().into(),
                variant.into(),
                from.as_str().into(),
                to.as_str().into(),
                now.as_str().into(),
            ],
        )
    }
}

fn k(key: &JobKey) -> [Param; 2] {
    [key.job_id.as_str().into(), key.user_id.as_str().into()]
}

#[derive(Deserialize)]
struct StatusCount {
    status: String,
    n: f64,
}

impl<C: Connection> JobStore for SqlStore<C> {
    async fn user_boosts(&self, user_id: &str) -> Result<Vec<UserBoostRow>, PortError> {
        self.scope(user_id).await?;
        self.many(
            "user_boosts",
            &rows::PLAIN,
            sql::USER_BOOSTS,
            &[user_id.into()],
        )
        .await
    }

    async fn user_preferences(&self, user_id: &str) -> Result<Vec<PreferenceRow>, PortError> {
        self.scope(user_id).await?;
        self.many(
            "user_preferences",
            &rows::PLAIN,
            sql::USER_PREFERENCES,
            &[user_id.into()],
        )
        .await
    }

    async fn upsert_user_boosts(
        &self,
        user_id: &str,
        set: &[UserBoostRow],
        cleared: &[AttributeValue],
    ) -> Result<(), PortError> {
        self.scope(user_id).await?;
        let mut statements = Vec::new();
        for b in set {
            if b.user_id != user_id {
                return Err(PortError::new("job store", "a boost of another user"));
            }
            statements.push(self.stmt(
                sql::UPSERT_USER_BOOST,
                &[
                    user_id.into(),
                    b.category.as_str().into(),
                    b.value.as_str().into(),
                    b.boost.into(),
                    b.source_job_id.as_str().into(),
                    b.updated_at.as_str().into(),
                ],
            )?);
        }
        for a in cleared {
            statements.push(self.stmt(
                sql::DELETE_USER_BOOST,
                &[
                    user_id.into(),
                    a.category.as_str().into(),
                    a.value.as_str().into(),
                ],
            )?);
        }
        if !statements.is_empty() {
            self.batch(statements).await?;
        }
        Ok(())
    }

    async fn create_job(
        &self,
        job: &JobRow,
        variants: &[VariantRow],
        limit: Option<&DailyLimit>,
    ) -> Result<JobCreation, PortError> {
        self.scope(&job.user_id).await?;
        // A retry of a stored job changes nothing and is never refused, whatever the budget
        // (its own estimate is in the day's sum).
        if self.job(&job.key()).await?.is_some() {
            return Ok(JobCreation::AlreadyExisted);
        }
        let seed = job.seed.to_string();
        let mut params: Vec<Param> = vec![
            job.job_id.as_str().into(),
            job.user_id.as_str().into(),
            job.status.as_str().into(),
            job.brief.as_str().into(),
            job.designs.into(),
            job.provider.as_str().into(),
            job.theta.into(),
            job.over_generation.into(),
            seed.as_str().into(),
            job.taxonomy_version.as_str().into(),
            json_text(&job.requested)?,
            json_text(&job.excluded)?,
            json_text(&job.modifiers)?,
            json_text(&job.personalisation)?,
            json_text(&job.warnings)?,
            job.error.as_deref().into(),
            job.created_at.as_str().into(),
            job.updated_at.as_str().into(),
            json_text(&job.providers)?,
            job.cost_estimate.into(),
        ];
        let mut statements = Vec::with_capacity(variants.len() + 2);
        match limit {
            None => statements.push(self.stmt(sql::INSERT_JOB, &params)?),
            Some(limit) => {
                if let Some(lock) = sql::lock_user_jobs(self.dialect()) {
                    statements.push(self.stmt(lock, &[job.user_id.as_str().into()])?);
                }
                params.push(limit.day_start.as_str().into());
                params.push((limit.daily_usd + budget::TOLERANCE_USD).into());
                statements.push(self.stmt(sql::INSERT_JOB_WITHIN_BUDGET, &params)?);
            }
        }
        let job_insert = statements.len() - 1;
        // Each variant is inserted only with its job's row, so a refused job writes nothing.
        for v in variants {
            statements.push(self.variant_statement(v)?);
        }
        let changes = self.batch(statements).await?;
        if changes.get(job_insert).copied() == Some(1) {
            return Ok(JobCreation::Created);
        }
        let Some(limit) = limit else {
            // The id was taken between the read and the insert, or is another user's.
            return Ok(JobCreation::AlreadyExisted);
        };
        // Not inserted: the job is there already (a concurrent retry), or the budget refused it.
        if self.job(&job.key()).await?.is_some() {
            return Ok(JobCreation::AlreadyExisted);
        }
        // The day's spending only grows: a sum that fits now fitted at the insert, which then
        // found the id taken by another user's job.
        let spent_today = self.spent_since(&job.user_id, &limit.day_start).await?;
        if budget::fits(limit.daily_usd, spent_today, job.cost_estimate) {
            return Ok(JobCreation::AlreadyExisted);
        }
        Ok(JobCreation::OverBudget { spent_today })
    }

    async fn job(&self, key: &JobKey) -> Result<Option<JobRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.one("generation_jobs", &rows::JOB, &sql::select_job(), &k(key))
            .await
    }

    async fn advance_job(
        &self,
        key: &JobKey,
        from: JobStatus,
        to: JobStatus,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        let n = self
            .exec(
                sql::ADVANCE_JOB,
                &[
                    j,
                    u,
                    from.as_str().into(),
                    to.as_str().into(),
                    now.as_str().into(),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn fail_job(
        &self,
        key: &JobKey,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        let n = self
            .exec(sql::FAIL_JOB, &[j, u, reason.into(), now.as_str().into()])
            .await?;
        Ok(n == 1)
    }

    async fn job_progress(&self, key: &JobKey) -> Result<JobProgress, PortError> {
        self.scope(&key.user_id).await?;
        let counts: Vec<StatusCount> = self
            .raw(sql::JOB_PROGRESS, &k(key))
            .await?
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>()
            .map_err(|e| PortError::new("job store", e.to_string()))?;
        let mut statuses = Vec::new();
        for c in counts {
            let status: VariantStatus =
                c.status
                    .parse()
                    .map_err(|e: bff_pipeline::ports::UnknownName| {
                        PortError::new("job store", e.to_string())
                    })?;
            statuses.extend(std::iter::repeat_n(status, c.n as usize));
        }
        Ok(JobProgress::from_statuses(statuses))
    }

    async fn variant(&self, key: &JobKey, variant: u32) -> Result<Option<VariantRow>, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        self.one(
            "variants",
            &rows::VARIANT,
            &sql::select_variant(),
            &[j, u, variant.into()],
        )
        .await
    }

    async fn variants(&self, key: &JobKey) -> Result<Vec<VariantRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many("variants", &rows::VARIANT, &sql::select_variants(), &k(key))
            .await
    }

    async fn mark_variant_failed(
        &self,
        key: &JobKey,
        variant: u32,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        let n = self
            .exec(
                sql::FAIL_VARIANT,
                &[j, u, variant.into(), reason.into(), now.as_str().into()],
            )
            .await?;
        Ok(n == 1)
    }

    async fn retag_image(
        &self,
        key: &JobKey,
        image_id: &str,
        tags: &[bff_pipeline::zero_shot::Tag],
        quality: f64,
        _now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&key.user_id).await?;
        let drawn: Vec<bff_domain::AttributeValue> = tags.iter().map(|t| t.attribute()).collect();
        let [j, u] = k(key);
        let n = self
            .exec(
                sql::RETAG_IMAGE,
                &[
                    j,
                    u,
                    image_id.into(),
                    json_text(&drawn)?,
                    json_text(&tags)?,
                    quality.into(),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn reroute_variant(
        &self,
        key: &JobKey,
        variant: u32,
        reroute: &Reroute,
        prompt: &bff_domain::prompt::ModelPrompt,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        let Some(row) = self.variant(key, variant).await? else {
            return Ok(false);
        };
        if row.provider != reroute.from {
            return Ok(false);
        }
        let mut reroutes = row.reroutes;
        reroutes.push(reroute.clone());
        let reroutes = json_text(&reroutes)?;
        let [j, u] = k(key);
        let n = self
            .exec(
                sql::REROUTE_VARIANT,
                &[
                    j,
                    u,
                    variant.into(),
                    reroute.from.as_str().into(),
                    reroute.to.as_str().into(),
                    reroutes,
                    now.as_str().into(),
                    enum_text(&prompt.family)?.as_str().into(),
                    json_text(prompt)?,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn insert_image(&self, image: &ImageRow, now: &Timestamp) -> Result<bool, PortError> {
        self.scope(&image.user_id).await?;
        let seed = image.seed.to_string();
        let parameters = json_text(&image.parameters)?;
        let requested = json_text(&image.requested)?;
        let drawn = json_text(&image.drawn)?;
        let insert = self.stmt(
            sql::INSERT_IMAGE,
            &[
                image.image_id.as_str().into(),
                image.job_id.as_str().into(),
                image.user_id.as_str().into(),
                image.variant.into(),
                image.prompt.as_str().into(),
                image.negative_prompt.as_str().into(),
                seed.as_str().into(),
                image.provider.as_str().into(),
                image.model.as_str().into(),
                parameters,
                requested,
                drawn,
                image.quality.into(),
                image.blob_key.as_str().into(),
                image.width.into(),
                image.height.into(),
                Param::Int(i64::try_from(image.bytes).unwrap_or(i64::MAX)),
                image.created_at.as_str().into(),
                image.cost.into(),
            ],
        )?;
        let key = JobKey::new(&image.user_id, &image.job_id);
        let moved = self.move_variant(
            &key,
            image.variant,
            VariantStatus::Planned,
            VariantStatus::Generated,
            now,
        )?;
        let changes = self.batch(vec![insert, moved]).await?;
        Ok(changes.first().copied() == Some(1))
    }

    async fn image(&self, key: &JobKey, image_id: &str) -> Result<Option<ImageRow>, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        self.one(
            "generated_images",
            &rows::IMAGE,
            &sql::select_image(),
            &[j, u, image_id.into()],
        )
        .await
    }

    async fn images(&self, key: &JobKey) -> Result<Vec<ImageRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many(
            "generated_images",
            &rows::IMAGE,
            &sql::select_images(),
            &k(key),
        )
        .await
    }

    async fn insert_embedding(
        &self,
        embedding: &EmbeddingRow,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&embedding.user_id).await?;
        let bytes = encode_vector(&embedding.vector);
        let dim = embedding.vector.len() as i64;
        let insert = self.stmt(
            sql::INSERT_EMBEDDING,
            &[
                embedding.image_id.as_str().into(),
                embedding.job_id.as_str().into(),
                embedding.user_id.as_str().into(),
                embedding.variant.into(),
                embedding.embedder.as_str().into(),
                Param::Int(dim),
                Param::Blob(bytes),
                embedding.created_at.as_str().into(),
            ],
        )?;
        let key = JobKey::new(&embedding.user_id, &embedding.job_id);
        let moved = self.move_variant(
            &key,
            embedding.variant,
            VariantStatus::Generated,
            VariantStatus::Embedded,
            now,
        )?;
        let changes = self.batch(vec![insert, moved]).await?;
        Ok(changes.first().copied() == Some(1))
    }

    async fn embeddings(&self, key: &JobKey) -> Result<Vec<EmbeddingRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many(
            "image_embeddings",
            &rows::EMBEDDING,
            self.pick(&sql::SELECT_EMBEDDINGS),
            &k(key),
        )
        .await
    }

    async fn complete_embedding_fan_in(
        &self,
        key: &JobKey,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope(&key.user_id).await?;
        let [j, u] = k(key);
        Ok(self.exec(sql::FAN_IN, &[j, u, now.as_str().into()]).await? == 1)
    }

    async fn save_clusters(
        &self,
        result: &ClusterResultRow,
        profiles: &[StyleProfileRow],
        assignments: &[ClusterAssignmentRow],
    ) -> Result<(), PortError> {
        self.scope(&result.user_id).await?;
        let key = JobKey::new(&result.user_id, &result.job_id);
        let candidates = json_text(&result.candidates)?;
        let seed = result.seed.to_string();
        let mut statements = vec![
            self.stmt(
                sql::UPSERT_CLUSTER_RESULT,
                &[
                    result.job_id.as_str().into(),
                    result.user_id.as_str().into(),
                    result.k.into(),
                    result.silhouette.into(),
                    candidates,
                    result.image_count.into(),
                    seed.as_str().into(),
                    result.created_at.as_str().into(),
                ],
            )?,
            self.stmt(sql::DELETE_STYLE_PROFILES, &k(&key))?,
            self.stmt(sql::DELETE_CLUSTER_ASSIGNMENTS, &k(&key))?,
        ];
        for p in profiles {
            let dominant = json_text(&p.dominant)?;
            let centroid = encode_vector(&p.centroid);
            statements.push(self.stmt(
                sql::INSERT_STYLE_PROFILE,
                &[
                    p.profile_id.as_str().into(),
                    p.job_id.as_str().into(),
                    p.user_id.as_str().into(),
                    p.cluster.into(),
                    p.name.as_str().into(),
                    p.size.into(),
                    dominant,
                    Param::Blob(centroid),
                    p.created_at.as_str().into(),
                ],
            )?);
        }
        for a in assignments {
            statements.push(self.stmt(
                sql::INSERT_CLUSTER_ASSIGNMENT,
                &[
                    a.image_id.as_str().into(),
                    a.job_id.as_str().into(),
                    a.user_id.as_str().into(),
                    a.cluster.into(),
                    a.distance.into(),
                ],
            )?);
        }
        self.batch(statements).await.map(|_| ())
    }

    async fn cluster_result(&self, key: &JobKey) -> Result<Option<ClusterResultRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.one(
            "cluster_results",
            &rows::CLUSTER_RESULT,
            sql::SELECT_CLUSTER_RESULT,
            &k(key),
        )
        .await
    }

    async fn style_profiles(&self, key: &JobKey) -> Result<Vec<StyleProfileRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many(
            "style_profiles",
            &rows::STYLE_PROFILE,
            self.pick(&sql::SELECT_STYLE_PROFILES),
            &k(key),
        )
        .await
    }

    async fn cluster_assignments(
        &self,
        key: &JobKey,
    ) -> Result<Vec<ClusterAssignmentRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many(
            "cluster_assignments",
            &rows::PLAIN,
            sql::SELECT_CLUSTER_ASSIGNMENTS,
            &k(key),
        )
        .await
    }

    async fn save_selection(
        &self,
        selection: &SelectionRow,
        picks: &[PickRow],
    ) -> Result<(), PortError> {
        self.scope(&selection.user_id).await?;
        let key = JobKey::new(&selection.user_id, &selection.job_id);
        let stop = enum_text(&selection.stop)?;
        let suppressed = json_text(&selection.suppressed)?;
        let mut statements = vec![
            self.stmt(
                sql::UPSERT_SELECTION,
                &[
                    selection.job_id.as_str().into(),
                    selection.user_id.as_str().into(),
                    selection.theta.into(),
                    selection.target.into(),
                    selection.picked.into(),
                    selection.candidates.into(),
                    stop.as_str().into(),
                    selection.log_det_kernel.into(),
                    selection.log_det_similarity.into(),
                    selection.mean_pairwise_cosine_distance.into(),
                    selection.cluster_cap_relaxed.into(),
                    suppressed,
                    selection.created_at.as_str().into(),
                ],
            )?,
            self.stmt(sql::DELETE_PICKS, &k(&key))?,
        ];
        for p in picks {
            let reason = enum_text(&p.reason)?;
            statements.push(self.stmt(
                sql::INSERT_PICK,
                &[
                    p.job_id.as_str().into(),
                    p.user_id.as_str().into(),
                    p.rank.into(),
                    p.image_id.as_str().into(),
                    p.variant.into(),
                    p.cluster.into(),
                    p.quality.into(),
                    p.log_gain.into(),
                    p.novelty.into(),
                    reason.as_str().into(),
                ],
            )?);
        }
        self.batch(statements).await.map(|_| ())
    }

    async fn selection(&self, key: &JobKey) -> Result<Option<SelectionRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.one(
            "dpp_selection_results",
            &rows::SELECTION,
            sql::SELECT_SELECTION,
            &k(key),
        )
        .await
    }

    async fn picks(&self, key: &JobKey) -> Result<Vec<PickRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many("dpp_picks", &rows::PLAIN, sql::SELECT_PICKS, &k(key))
            .await
    }

    async fn save_coverage(
        &self,
        report: &CoverageReportRow,
        gaps: &[AttributeGapRow],
    ) -> Result<(), PortError> {
        self.scope(&report.user_id).await?;
        let key = JobKey::new(&report.user_id, &report.job_id);
        let body = json_text(&report.report)?;
        let mut statements = vec![
            self.stmt(
                sql::UPSERT_COVERAGE,
                &[
                    report.job_id.as_str().into(),
                    report.user_id.as_str().into(),
                    report.overall_score.into(),
                    report.overall_evenness.into(),
                    report.set_size.into(),
                    report.image_count.into(),
                    body,
                    report.created_at.as_str().into(),
                ],
            )?,
            self.stmt(sql::DELETE_GAPS, &k(&key))?,
        ];
        for g in gaps {
            let severity = enum_text(&g.severity)?;
            statements.push(self.stmt(
                sql::INSERT_GAP,
                &[
                    g.job_id.as_str().into(),
                    g.user_id.as_str().into(),
                    g.rank.into(),
                    g.category.as_str().into(),
                    g.value.as_str().into(),
                    g.requested.into(),
                    g.coverage.into(),
                    g.count.into(),
                    g.target_count.into(),
                    g.missing.into(),
                    severity.as_str().into(),
                    g.severity_score.into(),
                    g.boost.into(),
                ],
            )?);
        }
        self.batch(statements).await.map(|_| ())
    }

    async fn coverage_report(&self, key: &JobKey) -> Result<Option<CoverageReportRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.one(
            "coverage_reports",
            &rows::COVERAGE,
            sql::SELECT_COVERAGE,
            &k(key),
        )
        .await
    }

    async fn attribute_gaps(&self, key: &JobKey) -> Result<Vec<AttributeGapRow>, PortError> {
        self.scope(&key.user_id).await?;
        self.many("attribute_gaps", &rows::GAP, sql::SELECT_GAPS, &k(key))
            .await
    }
}
