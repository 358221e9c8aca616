//! `bff_pipeline::ports::{FeedbackStore, AnalyticsStore}` for [`SqlStore`]. The SQL is in
//! [`crate::sql`]; rows come back as flat structs here and are turned into the pipeline's types.

use bff_domain::AttributeValue;
use bff_learn::feedback::{FeedbackSignal, RatedImage};
use bff_learn::rollup::{
    CoverageSample, DailyAttribute, DailyCategoryCoverage, DailyTotals, DayInput, DayRollup,
    PickedDesign,
};
use bff_learn::standout::StandoutRule;
use bff_learn::success::{AttributeSuccess, ProfileSuccess};
use bff_pipeline::ports::{
    AnalyticsStore, FeedbackRow, FeedbackStore, ImageRow, Learned, OutlierRow, PortError,
    UnlearnedFeedback,
};
use bff_pipeline::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::connection::{Connection, Param};
use crate::rows::{self, enum_text, json_text};
use crate::{sql, SqlStore};

fn bad(what: &str, e: impl std::fmt::Display) -> PortError {
    PortError::new("feedback store", format!("unreadable {what}: {e}"))
}

fn timestamp(text: &str) -> Result<Timestamp, PortError> {
    Timestamp::parse(text).map_err(|e| bad("timestamp", e))
}

fn attributes(json: &str) -> Result<Vec<AttributeValue>, PortError> {
    serde_json::from_str(json).map_err(|e| bad("attribute list", e))
}

/// The half-open range of RFC 3339 texts of a day: [`day`, next day).
fn day_range(day: &str) -> Result<(String, String), PortError> {
    let start = Timestamp::parse(&format!("{day}T00:00:00.000Z")).map_err(|e| bad("day", e))?;
    let next = Timestamp::from_unix_ms(start.unix_ms() + 86_400_000).day();
    Ok((day.to_string(), next))
}

#[derive(Deserialize)]
struct FeedbackJoined {
    feedback_id: String,
    user_id: String,
    job_id: String,
    image_id: String,
    rating: Option<f64>,
    liked: Option<f64>,
    comment: Option<String>,
    tags: String,
    revision: f64,
    learned_revision: f64,
    created_at: String,
    updated_at: String,
    standout_rule: Option<String>,
    standout_confidence: Option<f64>,
    standout_z: Option<f64>,
    standout_quality: Option<f64>,
    standout_at: Option<String>,
}

impl FeedbackJoined {
    fn into_rows(self) -> Result<(FeedbackRow, Option<OutlierRow>), PortError> {
        let rating = self.rating.map(|r| r as u8);
        let outlier = match (self.standout_rule, self.standout_confidence) {
            (Some(rule), Some(confidence)) => Some(OutlierRow {
                feedback_id: self.feedback_id.clone(),
                user_id: self.user_id.clone(),
                job_id: self.job_id.clone(),
                image_id: self.image_id.clone(),
                rating,
                quality: self.standout_quality.unwrap_or(0.0),
                rule: serde_json::from_value::<StandoutRule>(Value::String(rule))
                    .map_err(|e| bad("standout rule", e))?,
                confidence,
                z: self.standout_z,
                created_at: timestamp(self.standout_at.as_deref().unwrap_or(&self.updated_at))?,
            }),
            _ => None,
        };
        let row = FeedbackRow {
            feedback_id: self.feedback_id,
            user_id: self.user_id,
            job_id: self.job_id,
            image_id: self.image_id,
            rating,
            liked: self.liked.map(|l| l != 0.0),
            comment: self.comment,
            tags: serde_json::from_str(&self.tags).map_err(|e| bad("tags", e))?,
            revision: self.revision as u32,
            learned_revision: self.learned_revision as u32,
            created_at: timestamp(&self.created_at)?,
            updated_at: timestamp(&self.updated_at)?,
        };
        Ok((row, outlier))
    }
}

#[derive(Deserialize)]
struct RatedRow {
    feedback_id: String,
    job_id: String,
    image_id: String,
    rating: Option<f64>,
    liked: Option<f64>,
    updated_at: String,
    attributes: String,
    quality: f64,
    profile_id: Option<String>,
    standout: f64,
}

impl RatedRow {
    fn into_rated(self) -> Result<RatedImage, PortError> {
        Ok(RatedImage {
            feedback_id: self.feedback_id,
            job_id: self.job_id,
            image_id: self.image_id,
            profile_id: self.profile_id,
            attributes: attributes(&self.attributes)?,
            quality: self.quality,
            signal: FeedbackSignal {
                rating: self.rating.map(|r| r as u8),
                liked: self.liked.map(|l| l != 0.0),
            },
            standout: self.standout != 0.0,
            at_ms: timestamp(&self.updated_at)?.unix_ms(),
        })
    }
}

#[derive(Deserialize)]
struct Count {
    n: Option<f64>,
}

#[derive(Deserialize)]
struct UserRow {
    user_id: String,
}

#[derive(Deserialize)]
struct DayCounts {
    jobs: f64,
    images: f64,
}

#[derive(Deserialize)]
struct PickRow {
    job_id: String,
    image_id: String,
    attributes: String,
    created_at: String,
}

#[derive(Deserialize)]
struct CoverageRow {
    job_id: String,
    overall_score: f64,
    created_at: String,
}

#[derive(Deserialize)]
struct CoveredCategory {
    job_id: String,
    category: String,
}

#[derive(Deserialize)]
struct TotalsRow {
    day: String,
    jobs: f64,
    images: f64,
    picks: f64,
    feedback: f64,
    ratings: f64,
    rating_sum: f64,
    likes: f64,
    dislikes: f64,
    standouts: f64,
    coverage_reports: f64,
    coverage_sum: f64,
}

#[derive(Deserialize)]
struct AttributeDayRow {
    day: String,
    category: String,
    value: String,
    picks: f64,
    ratings: f64,
    rating_sum: f64,
    likes: f64,
    dislikes: f64,
    standouts: f64,
}

#[derive(Deserialize)]
struct CategoryDayRow {
    day: String,
    category: String,
    reports: f64,
}

#[derive(Deserialize)]
struct SuccessRow {
    category: String,
    value: String,
    ratings: f64,
    rating_sum: f64,
    likes: f64,
    dislikes: f64,
    outliers: f64,
}

#[derive(Deserialize)]
struct ProfileRow {
    profile_id: String,
    generations: f64,
    ratings: f64,
    rating_sum: f64,
    likes: f64,
    dislikes: f64,
    outliers: f64,
    name: String,
}

#[derive(Deserialize)]
struct Totals {
    ratings: f64,
    standouts: f64,
}

#[derive(Deserialize)]
struct Version {
    version: f64,
}

#[derive(Deserialize)]
struct Rating {
    rating: f64,
}

impl<C: Connection> SqlStore<C> {
    async fn rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<T>, PortError> {
        self.raw(sql, params)
            .await?
            .into_iter()
            .map(|row| serde_json::from_value(row).map_err(|e| bad("row", e)))
            .collect()
    }

    async fn row<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        params: &[Param],
    ) -> Result<Option<T>, PortError> {
        Ok(self.rows(sql, params).await?.into_iter().next())
    }
}

impl<C: Connection> FeedbackStore for SqlStore<C> {
    async fn owned_image(
        &self,
        user_id: &str,
        image_id: &str,
    ) -> Result<Option<ImageRow>, PortError> {
        self.scope(user_id).await?;
        match self
            .row::<Value>(
                &sql::select_owned_image(),
                &[user_id.into(), image_id.into()],
            )
            .await?
        {
            Some(row) => rows::decode("generated_images", &rows::IMAGE, row).map(Some),
            None => Ok(None),
        }
    }

    async fn rating_history(
        &self,
        user_id: &str,
        except_image_id: &str,
        limit: u32,
    ) -> Result<Vec<u8>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<Rating> = self
            .rows(
                sql::RATING_HISTORY,
                &[user_id.into(), except_image_id.into(), limit.into()],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.rating as u8).collect())
    }

    async fn save_feedback(
        &self,
        f: &FeedbackRow,
        standout: Option<&OutlierRow>,
    ) -> Result<FeedbackRow, PortError> {
        self.scope(&f.user_id).await?;
        let tags = json_text(&f.tags)?;
        let rating = f.rating.map(u32::from);
        let mut statements = vec![
            self.stmt(
                sql::UPSERT_FEEDBACK,
                &[
                    f.feedback_id.as_str().into(),
                    f.user_id.as_str().into(),
                    f.job_id.as_str().into(),
                    f.image_id.as_str().into(),
                    rating.into(),
                    f.liked.into(),
                    f.comment.as_deref().into(),
                    tags,
                    f.updated_at.as_str().into(),
                ],
            )?,
            self.stmt(
                sql::DELETE_OUTLIER,
                &[f.feedback_id.as_str().into(), f.user_id.as_str().into()],
            )?,
        ];
        if let Some(o) = standout {
            let rule = enum_text(&o.rule)?;
            statements.push(self.stmt(
                sql::INSERT_OUTLIER,
                &[
                    o.feedback_id.as_str().into(),
                    o.user_id.as_str().into(),
                    o.job_id.as_str().into(),
                    o.image_id.as_str().into(),
                    o.rating.map(u32::from).into(),
                    o.quality.into(),
                    rule.as_str().into(),
                    o.confidence.into(),
                    o.z.into(),
                    o.created_at.as_str().into(),
                ],
            )?);
        }
        statements.push(self.stmt(
            sql::BUMP_ANALYTICS_VERSION,
            &[f.user_id.as_str().into(), f.updated_at.as_str().into()],
        )?);
        self.batch(statements).await?;
        self.feedback(&f.user_id, &f.feedback_id)
            .await?
            .map(|(row, _)| row)
            .ok_or_else(|| PortError::new("feedback store", "the feedback was not stored"))
    }

    async fn feedback(
        &self,
        user_id: &str,
        feedback_id: &str,
    ) -> Result<Option<(FeedbackRow, Option<OutlierRow>)>, PortError> {
        self.scope(user_id).await?;
        self.row::<FeedbackJoined>(
            &sql::select_feedback(),
            &[user_id.into(), feedback_id.into()],
        )
        .await?
        .map(FeedbackJoined::into_rows)
        .transpose()
    }

    async fn list_feedback(
        &self,
        user_id: &str,
        job_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(FeedbackRow, Option<OutlierRow>)>, PortError> {
        self.scope(user_id).await?;
        self.rows::<FeedbackJoined>(
            &sql::list_feedback(),
            &[user_id.into(), job_id.into(), limit.into()],
        )
        .await?
        .into_iter()
        .map(FeedbackJoined::into_rows)
        .collect()
    }

    async fn rated_images(
        &self,
        user_id: &str,
        since: &Timestamp,
    ) -> Result<Vec<RatedImage>, PortError> {
        self.scope(user_id).await?;
        self.rows::<RatedRow>(
            &sql::rated_images_since(),
            &[user_id.into(), since.as_str().into()],
        )
        .await?
        .into_iter()
        .map(RatedRow::into_rated)
        .collect()
    }

    async fn profile_generations(&self, user_id: &str, profile_id: &str) -> Result<u32, PortError> {
        self.scope(user_id).await?;
        Ok(self
            .row::<Count>(
                sql::PROFILE_GENERATIONS,
                &[user_id.into(), profile_id.into()],
            )
            .await?
            .and_then(|c| c.n)
            .unwrap_or(0.0) as u32)
    }

    async fn save_learning(&self, l: &Learned) -> Result<(), PortError> {
        self.scope(&l.user_id).await?;
        let user = l.user_id.as_str();
        let now = l.now.as_str();
        let mut statements = Vec::new();
        for p in &l.preferences {
            statements.push(self.stmt(
                sql::UPSERT_PREFERENCE,
                &[
                    user.into(),
                    p.category.as_str().into(),
                    p.value.as_str().into(),
                    p.alpha.into(),
                    p.beta.into(),
                    p.evidence.into(),
                    p.weight.into(),
                    p.updated_at.as_str().into(),
                ],
            )?);
        }
        for u in &l.updates {
            let evidence = json_text(&u.evidence)?;
            statements.push(self.stmt(
                sql::INSERT_LEARNING_UPDATE,
                &[
                    u.update_id.as_str().into(),
                    user.into(),
                    u.feedback_id.as_str().into(),
                    u.revision.into(),
                    u.category.as_str().into(),
                    u.value.as_str().into(),
                    u.weight_before.into(),
                    u.weight_after.into(),
                    evidence,
                    u.created_at.as_str().into(),
                ],
            )?);
        }
        for s in &l.attribute_success {
            statements.push(self.stmt(
                sql::UPSERT_ATTRIBUTE_SUCCESS,
                &[
                    user.into(),
                    s.attribute.category.as_str().into(),
                    s.attribute.value.as_str().into(),
                    s.ratings.into(),
                    s.rating_sum.into(),
                    s.likes.into(),
                    s.dislikes.into(),
                    s.standouts.into(),
                    now.into(),
                ],
            )?);
        }
        if let Some(p) = &l.profile_success {
            statements.push(self.stmt(
                sql::UPSERT_PROFILE_SUCCESS,
                &[
                    user.into(),
                    p.profile_id.as_str().into(),
                    p.generations.into(),
                    p.ratings.into(),
                    p.rating_sum.into(),
                    p.likes.into(),
                    p.dislikes.into(),
                    p.standouts.into(),
                    now.into(),
                ],
            )?);
        }
        statements.push(self.stmt(
            sql::MARK_LEARNED,
            &[
                user.into(),
                l.feedback_id.as_str().into(),
                l.revision.into(),
            ],
        )?);
        statements.push(self.stmt(sql::BUMP_ANALYTICS_VERSION, &[user.into(), now.into()])?);
        self.batch(statements).await.map(|_| ())
    }

    async fn unlearned_feedback(
        &self,
        before: &Timestamp,
        limit: u32,
    ) -> Result<Vec<UnlearnedFeedback>, PortError> {
        self.scope_system().await?;
        #[derive(Deserialize)]
        struct Row {
            user_id: String,
            job_id: String,
            feedback_id: String,
            revision: f64,
        }
        let rows: Vec<Row> = self
            .rows(
                sql::UNLEARNED_FEEDBACK,
                &[before.as_str().into(), limit.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| UnlearnedFeedback {
                user_id: r.user_id,
                job_id: r.job_id,
                feedback_id: r.feedback_id,
                revision: r.revision as u32,
            })
            .collect())
    }
}

impl<C: Connection> AnalyticsStore for SqlStore<C> {
    async fn analytics_version(&self, user_id: &str) -> Result<u64, PortError> {
        self.scope(user_id).await?;
        Ok(self
            .row::<Version>(sql::ANALYTICS_VERSION, &[user_id.into()])
            .await?
            .map_or(0, |v| v.version as u64))
    }

    async fn active_users(&self, day: &str) -> Result<Vec<String>, PortError> {
        self.scope_system().await?;
        let (from, to) = day_range(day)?;
        let rows: Vec<UserRow> = self
            .rows(
                sql::ACTIVE_USERS,
                &[from.as_str().into(), to.as_str().into()],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.user_id).collect())
    }

    async fn day_input(&self, user_id: &str, day: &str) -> Result<DayInput, PortError> {
        self.scope(user_id).await?;
        let (from, to) = day_range(day)?;
        let range = [user_id.into(), from.as_str().into(), to.as_str().into()];
        let counts = self
            .row::<DayCounts>(sql::DAY_COUNTS, &range)
            .await?
            .unwrap_or(DayCounts {
                jobs: 0.0,
                images: 0.0,
            });
        let picks = self
            .rows::<PickRow>(sql::DAY_PICKS, &range)
            .await?
            .into_iter()
            .map(|p| {
                Ok(PickedDesign {
                    job_id: p.job_id,
                    image_id: p.image_id,
                    attributes: attributes(&p.attributes)?,
                    at_ms: timestamp(&p.created_at)?.unix_ms(),
                })
            })
            .collect::<Result<Vec<_>, PortError>>()?;
        let feedback = self
            .rows::<RatedRow>(&sql::rated_images_between(), &range)
            .await?
            .into_iter()
            .map(RatedRow::into_rated)
            .collect::<Result<Vec<_>, PortError>>()?;
        let covered: Vec<CoveredCategory> = self
            .rows(self.pick(&sql::DAY_COVERED_CATEGORIES), &range)
            .await?;
        let coverage = self
            .rows::<CoverageRow>(sql::DAY_COVERAGE, &range)
            .await?
            .into_iter()
            .map(|c| {
                Ok(CoverageSample {
                    categories_covered: covered
                        .iter()
                        .filter(|k| k.job_id == c.job_id)
                        .map(|k| k.category.clone())
                        .collect(),
                    job_id: c.job_id,
                    overall: c.overall_score,
                    at_ms: timestamp(&c.created_at)?.unix_ms(),
                })
            })
            .collect::<Result<Vec<_>, PortError>>()?;
        Ok(DayInput {
            day: day.to_string(),
            jobs: counts.jobs as u32,
            images: counts.images as u32,
            picks,
            feedback,
            coverage,
        })
    }

    async fn save_rollup(
        &self,
        user_id: &str,
        rollup: &DayRollup,
        now: &Timestamp,
    ) -> Result<(), PortError> {
        self.scope(user_id).await?;
        let day = rollup.totals.day.as_str();
        let key = [user_id.into(), day.into()];
        let mut statements = vec![
            self.stmt(sql::DELETE_DAILY_TOTALS, &key)?,
            self.stmt(sql::DELETE_DAILY_ATTRIBUTES, &key)?,
            self.stmt(sql::DELETE_DAILY_CATEGORIES, &key)?,
        ];
        let t = &rollup.totals;
        statements.push(self.stmt(
            sql::INSERT_DAILY_TOTALS,
            &[
                user_id.into(),
                day.into(),
                t.jobs.into(),
                t.images.into(),
                t.picks.into(),
                t.feedback.into(),
                t.ratings.into(),
                t.rating_sum.into(),
                t.likes.into(),
                t.dislikes.into(),
                t.standouts.into(),
                t.coverage_reports.into(),
                t.coverage_sum.into(),
                now.as_str().into(),
            ],
        )?);
        for a in &rollup.attributes {
            statements.push(self.stmt(
                sql::INSERT_DAILY_ATTRIBUTE,
                &[
                    user_id.into(),
                    day.into(),
                    a.attribute.category.as_str().into(),
                    a.attribute.value.as_str().into(),
                    a.picks.into(),
                    a.ratings.into(),
                    a.rating_sum.into(),
                    a.likes.into(),
                    a.dislikes.into(),
                    a.standouts.into(),
                ],
            )?);
        }
        for c in &rollup.categories {
            statements.push(self.stmt(
                sql::INSERT_DAILY_CATEGORY,
                &[
                    user_id.into(),
                    day.into(),
                    c.category.as_str().into(),
                    c.reports.into(),
                ],
            )?);
        }
        statements.push(self.stmt(sql::MARK_ROLLED_UP, &[user_id.into(), now.as_str().into()])?);
        self.batch(statements).await.map(|_| ())
    }

    async fn daily_totals(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyTotals>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<TotalsRow> = self
            .rows(sql::DAILY_TOTALS, &[user_id.into(), from.into(), to.into()])
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DailyTotals {
                day: r.day,
                jobs: r.jobs as u32,
                images: r.images as u32,
                picks: r.picks as u32,
                feedback: r.feedback as u32,
                ratings: r.ratings as u32,
                rating_sum: r.rating_sum,
                likes: r.likes as u32,
                dislikes: r.dislikes as u32,
                standouts: r.standouts as u32,
                coverage_reports: r.coverage_reports as u32,
                coverage_sum: r.coverage_sum,
            })
            .collect())
    }

    async fn daily_attributes(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyAttribute>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<AttributeDayRow> = self
            .rows(
                sql::DAILY_ATTRIBUTES,
                &[user_id.into(), from.into(), to.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DailyAttribute {
                day: r.day,
                attribute: AttributeValue::new(&r.category, &r.value),
                picks: r.picks as u32,
                ratings: r.ratings as u32,
                rating_sum: r.rating_sum,
                likes: r.likes as u32,
                dislikes: r.dislikes as u32,
                standouts: r.standouts as u32,
            })
            .collect())
    }

    async fn daily_categories(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyCategoryCoverage>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<CategoryDayRow> = self
            .rows(
                sql::DAILY_CATEGORIES,
                &[user_id.into(), from.into(), to.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| DailyCategoryCoverage {
                day: r.day,
                category: r.category,
                reports: r.reports as u32,
            })
            .collect())
    }

    async fn attribute_success(&self, user_id: &str) -> Result<Vec<AttributeSuccess>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<SuccessRow> = self.rows(sql::ATTRIBUTE_SUCCESS, &[user_id.into()]).await?;
        Ok(rows
            .into_iter()
            .map(|r| AttributeSuccess {
                attribute: AttributeValue::new(&r.category, &r.value),
                ratings: r.ratings as u32,
                rating_sum: r.rating_sum,
                likes: r.likes as u32,
                dislikes: r.dislikes as u32,
                standouts: r.outliers as u32,
            })
            .collect())
    }

    async fn profile_success(
        &self,
        user_id: &str,
    ) -> Result<Vec<(ProfileSuccess, String)>, PortError> {
        self.scope(user_id).await?;
        let rows: Vec<ProfileRow> = self.rows(sql::PROFILE_SUCCESS, &[user_id.into()]).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    ProfileSuccess {
                        profile_id: r.profile_id,
                        generations: r.generations as u32,
                        ratings: r.ratings as u32,
                        rating_sum: r.rating_sum,
                        likes: r.likes as u32,
                        dislikes: r.dislikes as u32,
                        standouts: r.outliers as u32,
                    },
                    r.name,
                )
            })
            .collect())
    }

    async fn standout_totals(&self, user_id: &str) -> Result<(u32, u32), PortError> {
        self.scope(user_id).await?;
        let t = self
            .row::<Totals>(sql::STANDOUT_TOTALS, &[user_id.into()])
            .await?
            .unwrap_or(Totals {
                ratings: 0.0,
                standouts: 0.0,
            });
        Ok((t.ratings as u32, t.standouts as u32))
    }
}
